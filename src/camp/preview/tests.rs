//! The preview policy through the service: who gets a picture, and when nothing is
//! fetched at all.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::BoxFuture;

use super::PreviewMode;
use crate::camp::testing::{camp_with, remote_actor};
use crate::camp::{Camp, IncomingNote, OpenCircuit, Outside, RemoteAudience};
use crate::error::{Error, Result};
use crate::model::{Id, MediaAttachment, PostMedia, RemoteActor};

/// An outside world that serves one PNG for every URL and counts the fetches.
struct Images {
    fetches: AtomicUsize,
    body: Vec<u8>,
}

impl Outside for Images {
    fn own_host(&self) -> String {
        "camp.test".into()
    }
    fn follow(&self, _: Id, _: String) -> BoxFuture<'_, Result<RemoteActor>> {
        Box::pin(async { Err(Error::invalid("no")) })
    }
    fn unfollow(&self, _: Id, _: String) -> BoxFuture<'_, Result<RemoteActor>> {
        Box::pin(async { Err(Error::invalid("no")) })
    }
    fn answer(&self, _: Id, _: &str, _: bool) -> Result<RemoteActor> {
        Err(Error::invalid("no"))
    }
    fn open_circuits(&self) -> Vec<OpenCircuit> {
        Vec::new()
    }
    fn refresh_blocklist_urls(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
    fn fetch_media(&self, url: String, cap: usize) -> BoxFuture<'_, Result<Vec<u8>>> {
        assert_eq!(cap, super::MAX_IMAGE_BYTES);
        assert!(
            url.starts_with("https://peer.example/") || url.starts_with("https://cdn.example/"),
            "{url}"
        );
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let body = self.body.clone();
        Box::pin(async move { Ok(body) })
    }
}

struct World {
    camp: Camp,
    admin: Id,
    /// Follows carol.
    cy: Id,
    /// Does not.
    bo: Id,
    carol: RemoteActor,
    images: Arc<Images>,
}

fn world() -> World {
    let (camp, ids) = camp_with(&["admin", "bo", "cy"]);
    let carol = camp
        .store()
        .upsert_remote_actor(remote_actor("carol", "peer.example", "Carol"))
        .unwrap();
    let cy = ids[2];
    crate::camp::testing::accepted_remote_follow(&camp, cy, &carol);
    let images = Arc::new(Images {
        fetches: AtomicUsize::new(0),
        body: super::decode::tests::png(40, 20),
    });
    camp.connect_outside(images.clone());
    World {
        camp,
        admin: ids[0],
        cy,
        bo: ids[1],
        carol,
        images,
    }
}

/// A post by carol addressed to cy alone, with `items` attached.
fn note(w: &World, n: u32, cw: Option<&str>, media: PostMedia) -> Id {
    let id = w
        .camp
        .receive_remote_note(IncomingNote {
            key: format!("https://peer.example/notes/{n}"),
            author: w.carol.shadow,
            object_host: "peer.example".into(),
            text: format!("note {n}"),
            cw: cw.map(str::to_string),
            reply_to: None,
            audience: RemoteAudience {
                named: vec![w.cy],
                ..RemoteAudience::default()
            },
            boostable: false,
            original_author: None,
        })
        .unwrap()
        .expect("stored");
    w.camp.set_remote_media(id, media).unwrap();
    id
}

fn image(url: &str, media_type: &str) -> MediaAttachment {
    MediaAttachment {
        alt: "a red and blue flag".into(),
        url: url.into(),
        media_type: media_type.into(),
    }
}

fn one(url: &str, media_type: &str) -> PostMedia {
    PostMedia {
        sensitive: false,
        items: vec![image(url, media_type)],
    }
}

fn fetches(w: &World) -> usize {
    w.images.fetches.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_is_fetched_once_and_only_when_the_viewer_asked_for_previews() {
    let w = world();
    let id = note(&w, 1, None, one("https://peer.example/a.png", "image/png"));
    let off = w.camp.preview(w.cy, id, 0, false).await.unwrap_err();
    assert!(off.to_string().contains("previews are off"), "{off}");
    assert_eq!(fetches(&w), 0, "nothing fetched while previews are off");

    w.camp
        .set_preview_mode(w.cy, PreviewMode::HalfBlock)
        .unwrap();
    assert_eq!(w.camp.preview_mode(w.cy).unwrap(), PreviewMode::HalfBlock);
    assert_eq!(w.camp.preview_mode(w.bo).unwrap(), PreviewMode::Off);
    let t = w.camp.preview(w.cy, id, 0, false).await.unwrap();
    assert_eq!((t.width, t.height), (40, 20));
    assert_eq!(t.pixel(0, 0), [255, 0, 0]);
    let again = w.camp.preview(w.cy, id, 0, false).await.unwrap();
    assert!(Arc::ptr_eq(&t, &again));
    assert_eq!(fetches(&w), 1, "the second look comes from the cache");
    let missing = w.camp.preview(w.cy, id, 1, false).await.unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)), "{missing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_preview_for_a_post_the_viewer_cannot_see() {
    let w = world();
    let id = note(&w, 2, None, one("https://peer.example/b.png", "image/png"));
    w.camp
        .set_preview_mode(w.bo, PreviewMode::HalfBlock)
        .unwrap();
    let e = w.camp.preview(w.bo, id, 0, true).await.unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e}");
    let e = w.camp.attachments(w.bo, id).unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e}");
    assert_eq!(w.camp.attachments(w.cy, id).unwrap().items.len(), 1);
    assert_eq!(fetches(&w), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_preview_behind_a_warning_or_sensitive_media_until_revealed() {
    let w = world();
    w.camp
        .set_preview_mode(w.cy, PreviewMode::HalfBlock)
        .unwrap();
    let cw = note(
        &w,
        3,
        Some("spiders"),
        one("https://peer.example/c.png", "image/png"),
    );
    let e = w.camp.preview(w.cy, cw, 0, false).await.unwrap_err();
    assert!(e.to_string().contains("content warning"), "{e}");
    let mut media = one("https://peer.example/d.png", "image/png");
    media.sensitive = true;
    let sensitive = note(&w, 4, None, media);
    assert!(w.camp.preview(w.cy, sensitive, 0, false).await.is_err());
    assert_eq!(fetches(&w), 0, "nothing fetched before the reveal");
    assert!(w.camp.preview(w.cy, cw, 0, true).await.is_ok());
    assert!(w.camp.preview(w.cy, sensitive, 0, true).await.is_ok());
    assert_eq!(fetches(&w), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_declared_png_and_jpeg_are_fetched() {
    let w = world();
    w.camp
        .set_preview_mode(w.cy, PreviewMode::HalfBlock)
        .unwrap();
    for (n, t) in [(5, "video/mp4"), (6, "image/svg+xml"), (7, "")] {
        let id = note(&w, n, None, one("https://peer.example/e", t));
        let e = w.camp.preview(w.cy, id, 0, false).await.unwrap_err();
        assert!(e.to_string().contains("not an image"), "{e}");
    }
    assert_eq!(fetches(&w), 0);
}

#[test]
fn attachments_are_bounded_and_cleaned_and_go_with_the_post() {
    let w = world();
    let mut items: Vec<_> = (0..20)
        .map(|i| image(&format!("https://peer.example/{i}.png"), "IMAGE/PNG; q=1"))
        .collect();
    items[0].alt = "bad\x1b[31m alt\u{202e}".into();
    items[1].url = "javascript:alert(1)".into();
    items[2].media_type = "image/png\x07".into();
    let id = note(
        &w,
        8,
        None,
        PostMedia {
            sensitive: false,
            items,
        },
    );
    let got = w.camp.attachments(w.cy, id).unwrap().items;
    assert_eq!(got.len(), super::MAX_ATTACHMENTS);
    assert!(
        !got[0].alt.contains('\x1b') && !got[0].alt.contains('\u{202e}'),
        "{:?}",
        got[0].alt
    );
    assert!(got.iter().all(|a| a.url.starts_with("https://")));
    assert_eq!(got[0].media_type, "image/png");
    assert_eq!(got[1].media_type, "", "a type with a control is dropped");
    // Local posts carry none.
    let mine = w
        .camp
        .create_post(
            w.cy,
            crate::camp::PostDraft {
                text: "hello".into(),
                cw: None,
                visibility: None,
                reply_to: None,
            },
        )
        .unwrap()
        .post
        .id;
    let local = one("https://peer.example/x.png", "image/png");
    assert!(w.camp.set_remote_media(mine, local).is_err());
    let post = w.camp.store().post(id).unwrap().unwrap();
    w.camp.store().delete_post(&post, &[]).unwrap();
    assert_eq!(w.camp.store().post_media(id).unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_from_a_server_whose_media_is_rejected_is_not_previewed_from_a_cdn_either() {
    let w = world();
    w.camp
        .set_preview_mode(w.cy, PreviewMode::HalfBlock)
        .unwrap();
    let id = note(&w, 9, None, one("https://cdn.example/f.png", "image/png"));
    w.camp
        .block_domain(
            w.admin,
            "peer.example",
            crate::camp::DomainBlockOptions {
                severity: crate::model::Severity::Silence,
                reject_media: true,
                ..Default::default()
            },
        )
        .unwrap();
    let e = w.camp.preview(w.cy, id, 0, false).await.unwrap_err();
    assert!(e.to_string().contains("does not take media"), "{e}");
    assert_eq!(fetches(&w), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetches_are_rate_limited_per_camper_and_seen_images_still_show() {
    let w = world();
    w.camp
        .set_preview_mode(w.cy, PreviewMode::HalfBlock)
        .unwrap();
    let posts: Vec<Id> = (0..3)
        .map(|n| {
            let items = (0..8)
                .map(|i| image(&format!("https://peer.example/r{n}-{i}.png"), "image/png"))
                .collect();
            note(
                &w,
                20 + n,
                None,
                PostMedia {
                    sensitive: false,
                    items,
                },
            )
        })
        .collect();
    let all: Vec<(Id, usize)> = posts
        .iter()
        .flat_map(|p| (0..8).map(move |i| (*p, i)))
        .collect();
    for (p, i) in &all[..super::FETCHES_PER_MINUTE] {
        w.camp.preview(w.cy, *p, *i, false).await.unwrap();
    }
    let (p, i) = all[super::FETCHES_PER_MINUTE];
    let e = w.camp.preview(w.cy, p, i, false).await.unwrap_err();
    assert!(matches!(e, Error::RateLimited(_)), "{e}");
    assert_eq!(fetches(&w), super::FETCHES_PER_MINUTE);
    // Repeats come from the cache, limit or not.
    for _ in 0..5 {
        w.camp
            .preview(w.cy, all[0].0, all[0].1, false)
            .await
            .unwrap();
    }
    assert_eq!(fetches(&w), super::FETCHES_PER_MINUTE);
}

#[test]
fn every_mode_is_stored_and_read_back_and_old_bytes_keep_their_meaning() {
    let w = world();
    for m in PreviewMode::ALL {
        w.camp.set_preview_mode(w.cy, m).unwrap();
        assert_eq!(w.camp.preview_mode(w.cy).unwrap(), m);
        assert_eq!(PreviewMode::parse(m.as_str()), Some(m));
    }
    // What earlier builds wrote.
    let key = format!("preview/{}", w.cy);
    w.camp.store().put_setting(&key, &1u8).unwrap();
    assert_eq!(w.camp.preview_mode(w.cy).unwrap(), PreviewMode::HalfBlock);
    w.camp.store().put_setting(&key, &200u8).unwrap();
    assert_eq!(w.camp.preview_mode(w.cy).unwrap(), PreviewMode::Off);
    assert_eq!(PreviewMode::Sixel.next(), PreviewMode::Off);
}
