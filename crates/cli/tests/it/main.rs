//! The one integration-test binary: drives the real server over HTTP, on SQLite and on
//! PostgreSQL, and a real browser.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod coordination;
mod crash;
mod duplicates;
mod exports;
mod http;
mod import;
mod justice;
mod linkage;
mod notifications;
mod nrm;
mod prevention;
mod report;

/// Runs an async test body `fn(&TestApp)` once per engine.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use palermo_testkit::{Engine, TestApp};

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
                    super::$name(&app).await;
                    app.stop().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = TestApp::spawn(Engine::Postgres).await {
                        super::$name(&app).await;
                        app.stop().await;
                    }
                }
            }
        )*
    };
}
