//! What Keystone said about tokens, kept for a while so that every request does not ask Keystone
//! again (keystonemiddleware's `token_cache_time`). Kept by the SHA-256 of the token, never the
//! token itself. A valid token is kept until the earlier of its expiry and the cache time, and
//! an expired one is never served; a token Keystone did not know is kept as such for the cache
//! time, as keystonemiddleware does, so that a caller repeating a bad token does not make every
//! request a call to Keystone (a token that is not valid never becomes valid).

use cloud_auth::ValidatedToken;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// How many tokens the cache holds at most (a service sees a handful of callers).
pub const CAPACITY: usize = 10_000;

/// What Keystone said, by the hash of the token.
#[derive(Debug)]
pub struct TokenCache {
    cache_time: Duration,
    capacity: usize,
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

/// Keystone's answer about one token.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Valid, with whose it is and its roles.
    Valid(Arc<ValidatedToken>),
    /// Unknown to Keystone, expired or revoked.
    NotValid,
}

#[derive(Debug)]
struct Entry {
    verdict: Verdict,
    /// The cache time, or a valid token's expiry when that comes first (monotonic clock).
    until: Instant,
}

impl Entry {
    fn is_live(&self, now: Instant) -> bool {
        let alive = match &self.verdict {
            Verdict::Valid(token) => SystemTime::now() < token.expires_at,
            Verdict::NotValid => true,
        };
        now < self.until && alive
    }
}

impl TokenCache {
    /// A cache that keeps a token at most `cache_time` (zero: never) and at most `capacity`
    /// tokens.
    pub fn new(cache_time: Duration, capacity: usize) -> TokenCache {
        TokenCache {
            cache_time,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// What Keystone said about `token`, unless that is older than the cache time or the token
    /// has expired since.
    pub fn get(&self, token: &str) -> Option<Verdict> {
        let key = digest(token);
        let mut entries = lock(&self.entries);
        match entries.get(&key) {
            Some(entry) if entry.is_live(Instant::now()) => Some(entry.verdict.clone()),
            Some(_) => {
                entries.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Keeps `verdict` about `token`; when full, the expired entries go first, then the one
    /// closest to its end.
    pub fn insert(&self, token: &str, verdict: Verdict) {
        let keep = match &verdict {
            Verdict::Valid(validated) => {
                let life = validated.expires_at.duration_since(SystemTime::now());
                self.cache_time.min(life.unwrap_or_default())
            }
            Verdict::NotValid => self.cache_time,
        };
        if keep.is_zero() || self.capacity == 0 {
            return;
        }
        let now = Instant::now();
        let mut entries = lock(&self.entries);
        if entries.len() >= self.capacity {
            entries.retain(|_, entry| entry.is_live(now));
        }
        if entries.len() >= self.capacity {
            let soonest = entries.iter().min_by_key(|(_, e)| e.until).map(|(k, _)| *k);
            if let Some(key) = soonest {
                entries.remove(&key);
            }
        }
        let entry = Entry {
            verdict,
            until: now + keep,
        };
        entries.insert(digest(token), entry);
    }

    /// How many tokens are held (expired ones included until they are looked up or evicted).
    #[cfg(test)]
    fn len(&self) -> usize {
        lock(&self.entries).len()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_for(life: Duration) -> Verdict {
        Verdict::Valid(Arc::new(ValidatedToken {
            user_id: "u".into(),
            user_name: None,
            project_id: Some("p".into()),
            project_name: None,
            roles: vec!["admin".into()],
            expires_at: SystemTime::now() + life,
        }))
    }

    fn user(verdict: Option<Verdict>) -> Option<String> {
        match verdict {
            Some(Verdict::Valid(token)) => Some(token.user_id.clone()),
            _ => None,
        }
    }

    #[test]
    fn a_cached_token_is_served_within_the_cache_time() {
        let cache = TokenCache::new(Duration::from_secs(300), 10);
        cache.insert("t1", valid_for(Duration::from_secs(3600)));
        assert_eq!(user(cache.get("t1")), Some("u".into()));
        assert!(cache.get("t2").is_none());
    }

    #[test]
    fn a_token_is_not_served_past_its_expiry_even_within_the_cache_time() {
        let cache = TokenCache::new(Duration::from_secs(300), 10);
        cache.insert("t1", valid_for(Duration::from_millis(50)));
        assert!(cache.get("t1").is_some());
        std::thread::sleep(Duration::from_millis(80));
        assert!(cache.get("t1").is_none());
        assert_eq!(cache.len(), 0, "the expired entry is dropped");
    }

    #[test]
    fn a_token_is_not_served_past_the_cache_time() {
        let cache = TokenCache::new(Duration::from_millis(50), 10);
        cache.insert("t1", valid_for(Duration::from_secs(3600)));
        std::thread::sleep(Duration::from_millis(80));
        assert!(cache.get("t1").is_none());
    }

    #[test]
    fn a_token_keystone_did_not_know_is_remembered_for_the_cache_time() {
        let cache = TokenCache::new(Duration::from_millis(50), 10);
        cache.insert("bad", Verdict::NotValid);
        assert!(matches!(cache.get("bad"), Some(Verdict::NotValid)));
        std::thread::sleep(Duration::from_millis(80));
        assert!(cache.get("bad").is_none());
    }

    #[test]
    fn a_zero_cache_time_keeps_nothing() {
        let cache = TokenCache::new(Duration::ZERO, 10);
        cache.insert("t1", valid_for(Duration::from_secs(3600)));
        cache.insert("bad", Verdict::NotValid);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn a_full_cache_drops_the_entry_closest_to_its_end() {
        let cache = TokenCache::new(Duration::from_secs(300), 2);
        cache.insert("short", valid_for(Duration::from_secs(60)));
        cache.insert("long", valid_for(Duration::from_secs(3600)));
        cache.insert("new", valid_for(Duration::from_secs(3600)));
        assert_eq!(cache.len(), 2);
        assert!(cache.get("short").is_none());
        assert!(cache.get("long").is_some() && cache.get("new").is_some());
    }

    #[test]
    fn the_cache_holds_hashes_not_tokens() {
        let cache = TokenCache::new(Duration::from_secs(300), 10);
        cache.insert("secret-token-xyzzy", valid_for(Duration::from_secs(3600)));
        assert!(!format!("{cache:?}").contains("xyzzy"));
    }
}
