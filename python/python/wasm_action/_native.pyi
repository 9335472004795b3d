# Types of the native extension (host/python/src/lib.rs). Answers cross as (kind, json) pairs;
# wasm_action/__init__.py turns them into typed outcomes and exceptions.
from typing import Any, Callable, List, Optional, Tuple

__version__: str

class Runtime:
    def __init__(
        self,
        *,
        cache_dir: Optional[str] = None,
        use_cache: bool = True,
        memory_mib: Optional[int] = None,
        cpu_fuel: Optional[int] = None,
        max_concurrent_calls: Optional[int] = None,
        pooling: bool = True,
        trust_pins: Optional[str] = None,
        trust_keys: Optional[List[str]] = None,
        grants: Optional[str] = None,
    ) -> None: ...
    def load(self, name: str, wasm: bytes) -> Tuple[str, Any]: ...
    def load_builtin(self, name: str) -> Tuple[str, Any]: ...
    @staticmethod
    def plugin_name(path: str) -> Optional[str]: ...
    @staticmethod
    def builtin(name: str) -> bytes: ...

class Plugin:
    @property
    def name(self) -> str: ...
    @property
    def digest(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def trust(self) -> str: ...
    def call(
        self,
        phase: str,
        params: str,
        *,
        endpoint: Optional[str] = None,
        token: Optional[Any] = None,
        renew: Optional[Callable[[str], Optional[str]]] = None,
        request_id: Optional[str] = None,
        deadline: Optional[float] = None,
        cacert: Optional[str] = None,
        on_event: Optional[Callable[[str], None]] = None,
    ) -> Tuple[str, str]: ...
