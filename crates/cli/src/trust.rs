//! Trusted plugins: the `--trust-pins` / `--trust-key` options of every command that loads
//! plugins, and the `keygen`, `sign` and `verify` commands.

use crate::exit;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasm_action_host::trust::{SigningKey, sign};
use wasm_action_host::{TrustPolicy, chain};

/// Examples shown by `wasm-action keygen --help`.
pub const KEYGEN_EXAMPLES: &str =
    "Writes PREFIX.key (the private key, PKCS#8 PEM, mode 0600: keep it where you build
plugins) and PREFIX.pub (the public key, SPKI PEM: give it to every host with --trust-key).
Never overwrites a file. `openssl genpkey -algorithm ed25519 -out ops.key` and
`openssl pkey -in ops.key -pubout -out ops.pub` make the same files.

Example:
  wasm-action keygen --out ops
  wasm-action sign --key ops.key plugins/migrate@2.wasm
  wasm-action serve --plugin-dir plugins --trust-key ops.pub ...";

/// Examples shown by `wasm-action sign --help`.
pub const SIGN_EXAMPLES: &str =
    "The signature travels inside the component, as its last custom section (which wasmtime
ignores): it covers every byte before it, so the file works everywhere it did. Signing again
replaces the signature. Prints the key id and the signed file's sha256.

Examples:
  wasm-action sign --key ops.key plugins/migrate@2.wasm
  wasm-action sign --key ops.key target/migrate_action.wasm --output plugins/migrate@2.wasm";

/// Examples shown by `wasm-action verify --help`.
pub const VERIFY_EXAMPLES: &str =
    "Answers what `run`, `apply` and `serve` would decide with the same options.
Exit codes: 0 trusted (and why: pinned, or signed by which key), 2 usage error,
5 not trusted (and why).

Examples:
  wasm-action verify --trust-key ops.pub plugins/migrate@2.wasm
  sha256sum plugins/*.wasm > pins.sha256      # pin what you reviewed
  wasm-action verify --trust-pins pins.sha256 plugins/migrate@2.wasm";

/// Which plugin components to load: pinned or signed ones only, when either option is given.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TrustArgs {
    /// Trust the components whose sha256 is pinned in FILE: the lines `sha256sum` prints
    /// (`sha256sum plugins/*.wasm > pins.sha256`). With --trust-pins or --trust-key, any other
    /// component is refused (built-in plugins are always trusted).
    #[arg(long, value_name = "FILE", env = "WASM_ACTION_TRUST_PINS")]
    pub trust_pins: Option<PathBuf>,
    /// Trust the components signed (`wasm-action sign`) by the key of this public key file
    /// (PEM, from `wasm-action keygen`); repeatable; in the environment, a `:`-separated list.
    #[arg(
        long = "trust-key",
        value_name = "FILE",
        env = "WASM_ACTION_TRUST_KEYS",
        value_delimiter = ':'
    )]
    pub trust_keys: Vec<PathBuf>,
}

impl TrustArgs {
    /// The policy the options give, `None` when neither is given (every component loads).
    pub fn policy(&self) -> Result<Option<Arc<TrustPolicy>>, String> {
        if self.trust_pins.is_none() && self.trust_keys.is_empty() {
            return Ok(None);
        }
        let policy = TrustPolicy::from_files(self.trust_pins.as_deref(), &self.trust_keys)
            .map_err(|e| chain(&e))?;
        Ok(Some(Arc::new(policy)))
    }
}

/// Arguments of `keygen`.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Where to write the key pair: PREFIX.key and PREFIX.pub.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
}

/// Arguments of `sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The private key (PKCS#8 PEM, from `wasm-action keygen` or `openssl genpkey`).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The component to sign.
    #[arg(value_name = "PLUGIN.wasm")]
    pub plugin: PathBuf,
    /// Where to write the signed component [default: PLUGIN.wasm itself].
    #[arg(long, value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// Arguments of `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The component to check.
    #[arg(value_name = "PLUGIN.wasm")]
    pub plugin: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// Makes a key pair; returns the exit code.
pub fn keygen(args: KeygenArgs) -> u8 {
    report(make_keys(&args.out))
}

fn make_keys(prefix: &Path) -> Result<String, (u8, String)> {
    let with = |extension: &str| {
        let mut name = prefix.as_os_str().to_owned();
        name.push(extension);
        PathBuf::from(name)
    };
    let (private, public) = (with(".key"), with(".pub"));
    // Check both first: a refused keygen writes nothing.
    if let Some(existing) = [&private, &public].into_iter().find(|p| p.exists()) {
        return Err((
            exit::USAGE,
            format!(
                "{} already exists: keygen never overwrites a key; choose another --out",
                existing.display()
            ),
        ));
    }
    let key = SigningKey::generate().map_err(|e| (exit::HOST_ERROR, chain(&e)))?;
    let failed = |e: wasm_action_host::TrustError| (exit::USAGE, chain(&e));
    key.save(&private).map_err(failed)?;
    key.public_key().save(&public).map_err(failed)?;
    Ok(format!(
        "wrote {} (private: keep it secret) and {} (public: give it to --trust-key); key id {}",
        private.display(),
        public.display(),
        key.public_key().id()
    ))
}

/// Signs a component; returns the exit code.
pub fn sign_plugin(args: SignArgs) -> u8 {
    report(signed(&args))
}

fn signed(args: &SignArgs) -> Result<String, (u8, String)> {
    let key = SigningKey::read(&args.key).map_err(|e| (exit::USAGE, chain(&e)))?;
    let wasm = read_plugin(&args.plugin)?;
    let signed = sign(&wasm, &key).map_err(|e| (exit::USAGE, chain(&e)))?;
    let out = args.output.as_ref().unwrap_or(&args.plugin);
    write_replacing(out, &signed)
        .map_err(|e| (exit::USAGE, format!("cannot write {}: {e}", out.display())))?;
    Ok(format!(
        "signed {} with key {}; sha256 {}",
        out.display(),
        key.public_key().id(),
        wasm_action_host::digest(&signed)
    ))
}

/// Checks a component against the options' policy; returns the exit code.
pub fn verify(args: VerifyArgs) -> u8 {
    report(verified(&args))
}

fn verified(args: &VerifyArgs) -> Result<String, (u8, String)> {
    let policy = args
        .trust
        .policy()
        .map_err(|e| (exit::USAGE, e))?
        .ok_or_else(|| {
            let hint = "give --trust-pins FILE and/or --trust-key FILE to verify against";
            (exit::USAGE, hint.to_string())
        })?;
    let wasm = read_plugin(&args.plugin)?;
    let trusted = policy.check(&wasm).map_err(|e| {
        let why = chain(&e);
        (
            exit::HOST_ERROR,
            format!("{} is not trusted: {why}", args.plugin.display()),
        )
    })?;
    Ok(format!("{} is trusted: {trusted}", args.plugin.display()))
}

/// Prints a success on stdout or an error on stderr, and gives the exit code.
fn report(result: Result<String, (u8, String)>) -> u8 {
    match result {
        Ok(said) => {
            outln!("{said}");
            exit::SUCCESS
        }
        Err((code, message)) => {
            errln!("error: {message}");
            code
        }
    }
}

fn read_plugin(path: &Path) -> Result<Vec<u8>, (u8, String)> {
    std::fs::read(path).map_err(|e| {
        (
            exit::USAGE,
            format!("cannot read plugin {}: {e}", path.display()),
        )
    })
}

/// Writes beside `path` then renames, so that a watched plugin directory never sees half a
/// file (the temporary name does not end in `.wasm`).
fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".signing-{}", std::process::id()));
    let temporary = PathBuf::from(name);
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}
