//! `GET /healthz`: 200 `ok` while the server runs. Open without the token (load balancers and
//! supervisors probe it) and so it says nothing about the pool.

use super::response::{self, Resp};

pub fn handle() -> Resp {
    response::text(hyper::StatusCode::OK, "ok\n")
}
