//! The host side of a plugin's outgoing HTTP: the allowlist check and the credentials.
//!
//! Every request a plugin makes passes through [`OutboundHooks::send_request`]. A request to an
//! origin outside the allowlist, or one that carries its own credentials, is refused with
//! `HttpRequestDenied` and logged; an allowed one gets the token the host holds.

use crate::events::{Observer, PluginEvent};
use crate::policy::AllowList;
use http::HeaderValue;
use http_body_util::BodyExt;
use std::sync::Arc;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// Headers that carry credentials: only the host may set them.
const CREDENTIAL_HEADERS: [&str; 5] = [
    "x-auth-token",
    "x-subject-token",
    "x-service-token",
    "authorization",
    "proxy-authorization",
];

/// Outgoing-request policy of one call.
pub struct OutboundHooks {
    plugin: Arc<str>,
    allowed: AllowList,
    token: Option<HeaderValue>,
    observer: Observer,
}

impl std::fmt::Debug for OutboundHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("OutboundHooks")
            .field("plugin", &self.plugin)
            .field("allowed", &self.allowed)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl OutboundHooks {
    /// Hooks for one call of `plugin`: requests may go to `allowed`, and get `token`.
    pub fn new(
        plugin: Arc<str>,
        allowed: AllowList,
        token: Option<HeaderValue>,
        observer: Observer,
    ) -> Self {
        OutboundHooks {
            plugin,
            allowed,
            token,
            observer,
        }
    }

    /// Why this request may not go out, if it may not.
    fn refusal(&self, request: &http::Request<WasiBody>) -> Option<String> {
        let uri = request.uri();
        let scheme = uri.scheme_str().unwrap_or("https");
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        if !self.allowed.permits(scheme, authority) {
            return Some(format!(
                "{scheme}://{authority} is not in the outbound allowlist"
            ));
        }
        let forged = CREDENTIAL_HEADERS
            .iter()
            .find(|h| request.headers().contains_key(**h));
        forged.map(|header| format!("the plugin set the credential header '{header}' itself"))
    }
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _io: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        http::Response<WasiBody>,
                        Box<dyn Future<Output = Result<(), HttpError>> + Send>,
                    ),
                    HttpError,
                >,
            > + Send,
    > {
        let target = format!("{} {}", request.method(), request.uri());
        if let Some(reason) = self.refusal(&request) {
            tracing::warn!(plugin = %self.plugin, %target, %reason, "outgoing request denied");
            (self.observer)(&PluginEvent::Denied {
                plugin: self.plugin.to_string(),
                target,
                reason,
            });
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        if let Some(token) = &self.token {
            request.headers_mut().insert("x-auth-token", token.clone());
        }
        tracing::debug!(plugin = %self.plugin, %target, "outgoing request");
        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            let io: Box<dyn Future<Output = Result<(), HttpError>> + Send> = Box::new(io);
            Ok((response.map(BodyExt::boxed_unsync), io))
        })
    }
}
