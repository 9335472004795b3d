"""Typed failures: one exception per ``action-error`` variant, and the host's own.

Every exception carries ``kind`` (the contract's name of the variant) and reads well as a
string; the fields of the variant are attributes.

``ActionError``  the action ran and failed for a reason it names (Nova said no, the
                 migration failed, bad parameters ...).
``HostError``    the plugin could not give an answer (it crashed, hit a sandbox limit, the
                 component does not load or is not trusted ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


class WasmActionError(Exception):
    """Base of every error raised by wasm_action."""

    kind = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ApiFault:
    """What the service answered: HTTP status, its message, its request id."""

    status: int
    message: str
    request_id: Optional[str] = None

    def __str__(self) -> str:
        rid = f" ({self.request_id})" if self.request_id else ""
        return f"HTTP {self.status}: {self.message}{rid}"


@dataclass(frozen=True)
class FieldError:
    """One invalid parameter: where, and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


# -- the action's own failures ---------------------------------------------------------------


class ActionError(WasmActionError):
    """The action ran and failed; ``kind`` names the ``action-error`` variant."""


class InvalidInput(ActionError):
    """The parameters are wrong; nothing was sent to any service."""

    kind = "invalid-input"

    def __init__(self, fields: list[FieldError]):
        self.fields = fields
        super().__init__("invalid parameters: " + "; ".join(str(f) for f in fields))


class _Problem(ActionError):
    def __init__(self, message: str, api: Optional[ApiFault] = None):
        super().__init__(message)
        self.api = api

    def __str__(self) -> str:
        return f"{self.message} [{self.api}]" if self.api else self.message


class NotFound(_Problem):
    """The server (or a host it names) does not exist."""

    kind = "not-found"


class Conflict(_Problem):
    """The resource is not in a state that allows the action (e.g. disabled host)."""

    kind = "conflict"


class Denied(_Problem):
    """The credentials may not do this (e.g. a non-admin token)."""

    kind = "denied"


class Unsupported(_Problem):
    """The cloud or the action cannot do what was asked (e.g. abort before VERIFY_RESIZE)."""

    kind = "unsupported"


class ApiError(ActionError):
    """The service answered with an error the action has no better name for."""

    kind = "api"

    def __init__(self, fault: ApiFault):
        super().__init__(str(fault))
        self.api = fault
        self.status = fault.status
        self.request_id = fault.request_id


class MigrationFailed(ActionError):
    """Nova ran the migration and it failed; the fields say where everything ended up."""

    kind = "migration-failed"

    def __init__(
        self,
        message: str,
        server_status: str,
        migration_status: Optional[str] = None,
        migration_uuid: Optional[str] = None,
        host: Optional[str] = None,
        fault: Optional[str] = None,
        request_id: Optional[str] = None,
    ):
        super().__init__(message)
        self.server_status = server_status
        self.migration_status = migration_status
        self.migration_uuid = migration_uuid
        self.host = host
        self.fault = fault
        self.request_id = request_id

    def __str__(self) -> str:
        where = f"server {self.server_status}" + (f" on {self.host}" if self.host else "")
        parts = [where]
        if self.migration_status:
            uuid = f" {self.migration_uuid}" if self.migration_uuid else ""
            parts.append(f"migration{uuid} {self.migration_status}")
        if self.fault:
            parts.append(f"fault: {self.fault}")
        if self.request_id:
            parts.append(f"request {self.request_id}")
        return f"{self.message} [{'; '.join(parts)}]"


class TimedOut(ActionError):
    """The action's deadline passed before Nova finished."""

    kind = "timed-out"


class TransportError(ActionError):
    """The service could not be reached (or the sandbox refused the request)."""

    kind = "transport"


class Cancelled(ActionError):
    """The action was cancelled (e.g. aborted from another thread)."""

    kind = "cancelled"

    def __init__(self, message: str = "the action was cancelled"):
        super().__init__(message)


# -- the host's failures ---------------------------------------------------------------------


class HostError(WasmActionError):
    """The plugin could not answer; ``plugin`` and ``phase`` say which call."""

    def __init__(self, message: str, plugin: Optional[str] = None, phase: Optional[str] = None):
        super().__init__(message)
        self.plugin = plugin
        self.phase = phase


class EngineError(HostError):
    """The WebAssembly engine could not be set up."""

    kind = "engine"


class LoadError(HostError):
    """The file is not a component implementing a contract the host runs
    (``openstack:actions@0.2.0`` or ``@0.1.0``), or cannot start."""

    kind = "load"


class Untrusted(LoadError):
    """The runtime's trust policy refuses the component: it is neither pinned nor signed by a
    trusted key, or it was changed after it was signed. The message says which, and what to
    do."""

    kind = "untrusted"


class SettingsError(WasmActionError, ValueError):
    """A file given to ``Runtime`` cannot be used; ``option`` names the keyword (``grants``,
    ``trust_pins`` or ``trust_keys``) and ``path`` the file."""

    kind = "settings"

    def __init__(self, message: str, option: str, path: Optional[str] = None):
        super().__init__(message)
        self.option = option
        self.path = path


class TrustSettingsError(SettingsError):
    """A trust file given to ``Runtime`` cannot be used (missing, unreadable, a line that is
    not a pin, a file that is not a public key); ``option`` is ``trust_pins`` or
    ``trust_keys``."""

    kind = "trust-settings"


class ContextError(HostError):
    """The call's context is unusable (e.g. the compute endpoint is not a URL)."""

    kind = "context"


class PluginCrashed(HostError):
    """The plugin trapped (a bug in it); the message carries its panic and backtrace."""

    kind = "trap"


class LimitExceeded(HostError):
    """The call hit a sandbox limit (``limit``: memory, cpu, wall-clock or response-body)."""

    kind = "limit-exceeded"

    def __init__(self, message: str, limit: str, plugin=None, phase=None):
        super().__init__(message, plugin=plugin, phase=phase)
        self.limit = limit


class Busy(HostError):
    """Every call slot of the runtime is taken."""

    kind = "busy"


def _api(value: Optional[dict[str, Any]]) -> Optional[ApiFault]:
    return ApiFault(**value) if value else None


def action_error(value: dict[str, Any]) -> ActionError:
    """The exception for one ``action-error`` as the native module renders it."""
    kind = value["kind"]
    if kind == "invalid-input":
        return InvalidInput([FieldError(**f) for f in value["fields"]])
    problems = {c.kind: c for c in (NotFound, Conflict, Denied, Unsupported)}
    if kind in problems:
        return problems[kind](value["problem"], _api(value.get("api")))
    if kind == "api":
        return ApiError(_api(value["api"]))
    if kind == "migration-failed":
        return MigrationFailed(**value["failure"])
    if kind == "timed-out":
        return TimedOut(value["detail"])
    if kind == "transport":
        return TransportError(value["detail"])
    if kind == "cancelled":
        return Cancelled()
    return ActionError(f"unknown action error {kind}: {value}")


def host_error(value: dict[str, Any]) -> HostError:
    """The exception for one host failure as the native module renders it."""
    where = {"plugin": value.get("plugin"), "phase": value.get("phase")}
    kind = value["kind"]
    if kind == "limit-exceeded":
        return LimitExceeded(value["message"], value["limit"], **where)
    classes = {c.kind: c for c in (EngineError, LoadError, Untrusted, ContextError,
                                   PluginCrashed, Busy)}
    # The host's finer kinds, under the exception a Python caller handles them with.
    classes.update({"cache": EngineError, "instantiate": PluginCrashed,
                    "shutting-down": Busy, "unknown-plugin": LoadError})
    error = classes.get(kind, HostError)(value["message"], **where)
    error.kind = kind
    return error
