//! From merged [`Settings`] to [`AuthOptions`]: the auth type, the identity, the scope, and
//! a sentence for every setting that is missing or unusable.

use std::path::PathBuf;

use crate::error::AuthError;
use crate::options::{
    AuthMethod, AuthOptions, CredentialRef, DEFAULT_DOMAIN_ID, DEFAULT_REFRESH_MARGIN,
    DEFAULT_TIMEOUT, DomainRef, Hints, Interface, ProjectScope, UserRef,
};
use crate::settings::{Key, Settings};

/// The auth types this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Password,
    ApplicationCredential,
    Token,
}

pub(crate) fn build(s: &Settings, hints: &Hints) -> Result<AuthOptions, AuthError> {
    let kind = kind(s)?;
    let method = match kind {
        Kind::Password => password(s, hints)?,
        Kind::ApplicationCredential => application_credential(s, hints)?,
        Kind::Token => {
            AuthMethod::Token(s.secret(Key::Token).ok_or_else(|| AuthError::Missing {
                what: "token",
                hint: hints.set_one_of(&[Key::Token]),
            })?)
        }
    };
    let auth_url = s.get(Key::AuthUrl).map(str::to_string);
    let compute_endpoint = s
        .get(Key::ComputeEndpoint)
        .map(|e| e.trim_end_matches('/').to_string());
    if auth_url.is_none() && !(kind == Kind::Token && compute_endpoint.is_some()) {
        return Err(AuthError::Missing {
            what: "auth_url",
            hint: hints.set_one_of(&[Key::AuthUrl]),
        });
    }
    // Application credentials are bound to their project; Keystone refuses a scope with them.
    let project = match kind {
        Kind::ApplicationCredential => None,
        _ => project(s),
    };
    if project.is_none() && kind != Kind::ApplicationCredential && auth_url.is_some() {
        let hint = hints.set_one_of(&[Key::ProjectName, Key::ProjectId]);
        return Err(AuthError::Missing {
            what: "project",
            hint: format!("{hint} (a token without a project has no service catalog)"),
        });
    }
    Ok(AuthOptions {
        auth_url,
        method,
        project,
        region: s.get(Key::Region).map(str::to_string),
        interface: interface(s)?,
        compute_endpoint,
        ca_file: s.get(Key::CaCert).map(PathBuf::from),
        timeout: DEFAULT_TIMEOUT,
        refresh_margin: DEFAULT_REFRESH_MARGIN,
    })
}

/// `auth_type` when set; otherwise inferred: an application-credential secret, else a token
/// without a password, else `password` (keystoneauth's default).
fn kind(s: &Settings) -> Result<Kind, AuthError> {
    let Some(auth_type) = s.get(Key::AuthType) else {
        let has = |key| s.secret(key).is_some();
        return Ok(if has(Key::AppCredentialSecret) {
            Kind::ApplicationCredential
        } else if has(Key::Token) && !has(Key::Password) {
            Kind::Token
        } else {
            Kind::Password
        });
    };
    match auth_type.to_ascii_lowercase().replace('-', "_").as_str() {
        "password" | "v3password" => Ok(Kind::Password),
        "v3applicationcredential" | "applicationcredential" | "application_credential" => {
            Ok(Kind::ApplicationCredential)
        }
        "token" | "v3token" => Ok(Kind::Token),
        _ => Err(AuthError::UnsupportedAuthType(auth_type.to_string())),
    }
}

fn password(s: &Settings, hints: &Hints) -> Result<AuthMethod, AuthError> {
    let user = user(s).ok_or_else(|| AuthError::Missing {
        what: "user",
        hint: hints.set_one_of(&[Key::Username, Key::UserId]),
    })?;
    let password = s.secret(Key::Password).ok_or_else(|| AuthError::Missing {
        what: "password",
        hint: hints.set_one_of(&[Key::Password]),
    })?;
    Ok(AuthMethod::Password { user, password })
}

fn application_credential(s: &Settings, hints: &Hints) -> Result<AuthMethod, AuthError> {
    let secret = s
        .secret(Key::AppCredentialSecret)
        .ok_or_else(|| AuthError::Missing {
            what: "application credential secret",
            hint: hints.set_one_of(&[Key::AppCredentialSecret]),
        })?;
    let credential = if let Some(id) = s.get(Key::AppCredentialId) {
        CredentialRef::Id(id.to_string())
    } else if let Some(name) = s.get(Key::AppCredentialName) {
        let user = user(s).ok_or_else(|| AuthError::Missing {
            what: "user of the application credential",
            hint: hints.set_one_of(&[Key::Username, Key::UserId]),
        })?;
        CredentialRef::Name {
            name: name.to_string(),
            user,
        }
    } else {
        return Err(AuthError::Missing {
            what: "application credential",
            hint: hints.set_one_of(&[Key::AppCredentialId, Key::AppCredentialName]),
        });
    };
    Ok(AuthMethod::ApplicationCredential { credential, secret })
}

fn user(s: &Settings) -> Option<UserRef> {
    if let Some(id) = s.get(Key::UserId) {
        return Some(UserRef::Id(id.to_string()));
    }
    let name = s.get(Key::Username)?.to_string();
    let domain = domain(s, Key::UserDomainId, Key::UserDomainName);
    Some(UserRef::Name { name, domain })
}

fn project(s: &Settings) -> Option<ProjectScope> {
    if let Some(id) = s.get(Key::ProjectId) {
        return Some(ProjectScope::Id(id.to_string()));
    }
    let name = s.get(Key::ProjectName)?.to_string();
    let domain = domain(s, Key::ProjectDomainId, Key::ProjectDomainName);
    Some(ProjectScope::Name { name, domain })
}

/// The id if given, else the name, else the `default` domain.
fn domain(s: &Settings, id: Key, name: Key) -> DomainRef {
    match (s.get(id), s.get(name)) {
        (Some(id), _) => DomainRef::Id(id.to_string()),
        (None, Some(name)) => DomainRef::Name(name.to_string()),
        (None, None) => DomainRef::Id(DEFAULT_DOMAIN_ID.to_string()),
    }
}

fn interface(s: &Settings) -> Result<Interface, AuthError> {
    let Some(value) = s.get(Key::Interface) else {
        return Ok(Interface::Public);
    };
    Interface::parse(value).ok_or_else(|| AuthError::Invalid {
        setting: "interface",
        value: value.to_string(),
        reason: "use public, internal or admin".to_string(),
    })
}
