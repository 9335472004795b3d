//! Tokens Keystone vouched for, kept for a while so that every request does not ask Keystone
//! again (keystonemiddleware's `token_cache_time`). Kept by the SHA-256 of the token, never the
//! token itself; an entry lasts until the earlier of the token's expiry and the cache time, and
//! an expired token is never served.

use cloud_auth::ValidatedToken;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// How many tokens the cache holds at most (a service sees a handful of callers).
pub const CAPACITY: usize = 10_000;

/// Validated tokens by the hash of the token.
#[derive(Debug)]
pub struct TokenCache {
    cache_time: Duration,
    capacity: usize,
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

#[derive(Debug)]
struct Entry {
    token: Arc<ValidatedToken>,
    /// The earlier of the cache time and the token's expiry, on the monotonic clock.
    until: Instant,
}

impl Entry {
    fn is_live(&self, now: Instant) -> bool {
        now < self.until && SystemTime::now() < self.token.expires_at
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

    /// The validated token, when it is cached and neither its cache time nor its life is over.
    pub fn get(&self, token: &str) -> Option<Arc<ValidatedToken>> {
        let key = digest(token);
        let mut entries = lock(&self.entries);
        match entries.get(&key) {
            Some(entry) if entry.is_live(Instant::now()) => Some(entry.token.clone()),
            Some(_) => {
                entries.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Keeps `validated` for `token`; when full, the expired entries go first, then the one
    /// closest to its end.
    pub fn insert(&self, token: &str, validated: Arc<ValidatedToken>) {
        let life = validated
            .expires_at
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        let keep = self.cache_time.min(life);
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
            token: validated,
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

    fn valid_for(life: Duration) -> Arc<ValidatedToken> {
        Arc::new(ValidatedToken {
            user_id: "u".into(),
            user_name: None,
            project_id: Some("p".into()),
            project_name: None,
            roles: vec!["admin".into()],
            expires_at: SystemTime::now() + life,
        })
    }

    #[test]
    fn a_cached_token_is_served_within_the_cache_time() {
        let cache = TokenCache::new(Duration::from_secs(300), 10);
        cache.insert("t1", valid_for(Duration::from_secs(3600)));
        assert_eq!(cache.get("t1").map(|t| t.user_id.clone()), Some("u".into()));
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
    fn a_zero_cache_time_keeps_nothing() {
        let cache = TokenCache::new(Duration::ZERO, 10);
        cache.insert("t1", valid_for(Duration::from_secs(3600)));
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
