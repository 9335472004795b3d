//! What a double starts with: its compute hosts, how fast Nova "works", and the servers to seed.

use std::time::Duration;

/// How a [`crate::NovaDouble`] starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Compute hosts, each with one `nova-compute` service and one hypervisor of the same name.
    pub hosts: Vec<String>,
    /// How long each step of a migration takes.
    pub timings: Timings,
    /// Answer at most this many requests in any second and `429 Too Many Requests` (with
    /// `Retry-After: 1`) beyond, as a rate-limiting proxy in front of nova-api does; `None`:
    /// no limit.
    pub max_requests_per_second: Option<u32>,
    /// Where a client gets a token: a 401 names it in `WWW-Authenticate: Keystone uri="..."`,
    /// as keystonemiddleware's `www_authenticate_uri` in front of real Nova does.
    pub www_authenticate_uri: String,
}

/// [`Config::www_authenticate_uri`] until a test names its Keystone: nowhere (`.invalid`).
pub const DEFAULT_WWW_AUTHENTICATE_URI: &str = "http://keystone.invalid/v3";

impl Default for Config {
    /// Hosts `compute1`, `compute2`, `compute3` (as in the recording), [`Timings::realistic`],
    /// and [`DEFAULT_WWW_AUTHENTICATE_URI`].
    fn default() -> Self {
        Config {
            hosts: ["compute1", "compute2", "compute3"]
                .map(String::from)
                .to_vec(),
            timings: Timings::realistic(),
            max_requests_per_second: None,
            www_authenticate_uri: DEFAULT_WWW_AUTHENTICATE_URI.to_string(),
        }
    }
}

/// Durations of the steps Nova goes through; a running double can change them with
/// [`crate::NovaDouble::set_timings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// Cold migration: scheduling and `prep_resize` (`RESIZE`/`resize_prep` on the source).
    pub resize_prep: Duration,
    /// Cold migration: `migrate_disk_and_power_off` (`resize_migrating` on the source).
    pub resize_migrate: Duration,
    /// Cold migration: `resize_migrated` then `finish_resize` on the destination.
    pub resize_finish: Duration,
    /// `confirmResize`: how long the server keeps showing `VERIFY_RESIZE` after the 204.
    pub confirm: Duration,
    /// `revertResize`: `REVERT_RESIZE` on the destination, then on the source.
    pub revert: Duration,
    /// Live migration: conductor checks, scheduling and `pre_live_migration`.
    pub live_prepare: Duration,
    /// Live migration: the memory copy (migration status `running`).
    pub live_copy: Duration,
    /// How long a migration that no host can take waits before it fails.
    pub scheduler_failure: Duration,
    /// Small steps: `os-stop`, `os-start`, the rollback of an aborted live migration.
    pub service_step: Duration,
    /// Shelve: power off and snapshot (`shelving` on the host) until `SHELVED`.
    pub shelve: Duration,
    /// Shelve: the offload (`SHELVED`/`shelving_offloading`) until `SHELVED_OFFLOADED`; the
    /// host is cleared a quarter of it later.
    pub shelve_offload: Duration,
    /// Unshelve: image lookup and scheduling (`SHELVED_OFFLOADED`/`unshelving`, no host).
    pub unshelve: Duration,
    /// Unshelve: spawning on the chosen host (`SHELVED_OFFLOADED`/`spawning`) until `ACTIVE`.
    pub unshelve_spawn: Duration,
}

impl Timings {
    /// Timings measured on a small real cloud: migrate (or resize) → `VERIFY_RESIZE` ≈ 1.2 s,
    /// confirm 0.4 s, revert 0.6 s, live migration ≈ 1.2 s, scheduler failure ≈ 1 s; shelve
    /// ≈ 0.15 s and unshelve ≈ 0.4 s as recorded on the real-Nova harness
    /// (`recordings/server-actions-34.md`).
    pub fn realistic() -> Self {
        Timings {
            resize_prep: Duration::from_millis(300),
            resize_migrate: Duration::from_millis(500),
            resize_finish: Duration::from_millis(400),
            confirm: Duration::from_millis(400),
            revert: Duration::from_millis(600),
            live_prepare: Duration::from_millis(400),
            live_copy: Duration::from_millis(800),
            scheduler_failure: Duration::from_millis(1000),
            service_step: Duration::from_millis(150),
            shelve: Duration::from_millis(80),
            shelve_offload: Duration::from_millis(70),
            unshelve: Duration::from_millis(350),
            unshelve_spawn: Duration::from_millis(60),
        }
    }

    /// The same sequence of states with every step 15–40 ms, for tests.
    pub fn fast() -> Self {
        Timings {
            resize_prep: Duration::from_millis(20),
            resize_migrate: Duration::from_millis(30),
            resize_finish: Duration::from_millis(30),
            confirm: Duration::from_millis(20),
            revert: Duration::from_millis(30),
            live_prepare: Duration::from_millis(40),
            live_copy: Duration::from_millis(40),
            scheduler_failure: Duration::from_millis(30),
            service_step: Duration::from_millis(15),
            shelve: Duration::from_millis(20),
            shelve_offload: Duration::from_millis(20),
            unshelve: Duration::from_millis(30),
            unshelve_spawn: Duration::from_millis(15),
        }
    }

    /// Time from an accepted `migrate` (or `resize`) to `VERIFY_RESIZE`, the number benchmarks
    /// subtract.
    pub fn migrate_to_verify(&self) -> Duration {
        self.resize_prep + self.resize_migrate + self.resize_finish
    }
}

/// The power state a seeded server starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerStatus {
    /// `ACTIVE`, vm_state `active`, power_state 1.
    Active,
    /// `SHUTOFF`, vm_state `stopped`, power_state 4.
    Shutoff,
}

/// A server to seed with [`crate::NovaDouble::add_server`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    /// The compute host it runs on (one of [`Config::hosts`]).
    pub host: String,
    /// Its power state.
    pub status: PowerStatus,
    /// Owning project (`tenant_id`).
    pub project_id: String,
    /// Owning user.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// Its flavor's id (one of [`crate::FLAVORS`]; an unknown id means `m1.tiny`).
    pub flavor_id: String,
}

impl ServerSpec {
    /// An `ACTIVE` server on `host` with flavor `m1.tiny`, owned by project `demo` and user
    /// `admin`.
    pub fn active(host: &str) -> Self {
        Self::new(host, PowerStatus::Active)
    }

    /// A `SHUTOFF` server on `host`, owned by project `demo` and user `admin`.
    pub fn shutoff(host: &str) -> Self {
        Self::new(host, PowerStatus::Shutoff)
    }

    /// The same server with another display name.
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// The same server with another flavor (an id of [`crate::FLAVORS`], e.g. `"2"`).
    pub fn with_flavor(mut self, flavor_id: &str) -> Self {
        self.flavor_id = flavor_id.to_string();
        self
    }

    /// The same server owned by another project and user.
    pub fn owned_by(mut self, project_id: &str, user_id: &str) -> Self {
        self.project_id = project_id.to_string();
        self.user_id = user_id.to_string();
        self
    }

    fn new(host: &str, status: PowerStatus) -> Self {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        ServerSpec {
            host: host.to_string(),
            status,
            project_id: "demo".to_string(),
            user_id: "admin".to_string(),
            name: format!("server-{}", &tag[..8]),
            flavor_id: "1".to_string(),
        }
    }
}
