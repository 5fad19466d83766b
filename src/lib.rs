//! poolwatch: a menu-bar and widget monitor for CLIProxyAPI ChatGPT/Codex account pools.
//!
//! Module map (see docs/architecture.md):
//! * [`model`] — the domain data (accounts, usage windows, pool state)
//! * [`api`] — the Management API client and the `wham/usage` parser
//! * [`quota`] — the quota model: pure math from accounts to a pool report
//! * [`history`] — quota over time: series, cycles, waste (pure)
//! * [`render`] — SwiftBar/xbar menu, terminal table, JSON
//! * [`store`] — locked cache, atomic writes, widget snapshot
//! * [`config`] — settings file, profiles, env overrides
//! * [`secrets`] — the management key (Keychain or env)
//! * [`cli`] — command-line parsing; [`exit_codes`] — process exit codes
//! * [`serve`] — the HTTP server of `poolwatch serve` (routes, token, limits)
//! * [`pipe`] — ending quietly when the reader of stdout goes away
//! * [`i18n`] — English / 简体中文 messages (`locales/poolwatch.toml`)

// The message catalogue, embedded at compile time (see `i18n`).
rust_i18n::i18n!("locales");

pub mod alerts;
pub mod api;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod exit_codes;
pub mod history;
pub mod i18n;
pub mod model;
pub mod pipe;
pub mod provider;
pub mod quota;
pub mod redact;
pub mod render;
pub mod secrets;
pub mod serve;
pub mod session;
pub mod store;
pub mod width;
