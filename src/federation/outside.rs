//! The bridge as camp's port to the outside world ([`crate::camp::Outside`]): each
//! method forwards to the bridge's own, so camp, the TUI and exec never name it.

use futures::future::BoxFuture;

use super::Bridge;
use crate::camp::{OpenCircuit, Outside};
use crate::error::Result;
use crate::model::{Id, RemoteActor};

impl Outside for Bridge {
    fn own_host(&self) -> String {
        self.urls().host().to_string()
    }

    fn follow(&self, local: Id, target: String) -> BoxFuture<'_, Result<RemoteActor>> {
        Box::pin(async move { Bridge::follow(self, local, &target).await })
    }

    fn unfollow(&self, local: Id, target: String) -> BoxFuture<'_, Result<RemoteActor>> {
        Box::pin(async move { Bridge::unfollow(self, local, &target).await })
    }

    fn answer(&self, local: Id, handle: &str, accept: bool) -> Result<RemoteActor> {
        Bridge::answer(self, local, handle, accept)
    }

    fn open_circuits(&self) -> Vec<OpenCircuit> {
        Bridge::open_circuits(self)
            .into_iter()
            .map(|(host, failures, until_ms)| OpenCircuit {
                host,
                failures,
                until_ms,
            })
            .collect()
    }

    fn refresh_blocklist_urls(&self) -> BoxFuture<'_, ()> {
        Box::pin(Bridge::refresh_blocklist_urls(self))
    }

    fn fetch_media(&self, url: String, cap: usize) -> BoxFuture<'_, Result<Vec<u8>>> {
        Box::pin(async move {
            self.fetcher()
                .get_image(&url, cap)
                .await
                .map_err(|e| crate::Error::invalid(e.to_string()))
        })
    }
}
