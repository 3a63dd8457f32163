//! Shared pieces of the federation tests (`federation`, `fedsec`): a camp with the
//! bridge on.

use std::net::SocketAddr;

use crate::support::{Key, TestCamp, exec};

/// A camp with the bridge on (dev federation, id origin = the bound address), an
/// admin and the camper `ana`.
pub async fn fed_camp() -> (TestCamp, Key, SocketAddr) {
    let mut camp = TestCamp::start_with(|c| {
        c.http_addr = Some("127.0.0.1:0".parse().expect("address"));
        c.federate = true;
        c.dev_federation = true;
    })
    .await;
    let admin = Key::generate();
    let code = camp.admin_invite.clone().expect("admin invite");
    exec(camp.addr, &admin, &format!("join {code} admin --agree"))
        .await
        .ok();
    camp.admin = Some(admin);
    let ana = camp.member("ana").await;
    let http = camp.http_addr.expect("the bridge listens");
    (camp, ana, http)
}
