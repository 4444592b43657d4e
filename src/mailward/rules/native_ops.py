"""Run-time helpers of the rules' Python translations (``mailward.rules.native``).

Each reproduces one CEL operation exactly for the operand kinds it knows and raises
``Fallback`` for anything else, so that the CEL engine decides there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["HELPERS", "INT_MAX", "INT_MIN", "Fallback", "plain"]

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
_SCALARS = (str, int, float, bool)
_ORDERED = (str, int, float)
_LISTS = (list, tuple)


class Fallback(Exception):
    """Raised at run time when CEL must decide (an operand of another kind)."""


# --- run-time helpers (named ``_x`` in generated code) ---------------------------------


def _fb() -> Any:
    """Raise ``Fallback`` from inside an expression (inlined checks end with it)."""
    raise Fallback


def _b(x: Any) -> bool:
    if x is True or x is False:
        return x
    raise Fallback


def _not(x: Any) -> bool:
    if x is True or x is False:
        return not x
    raise Fallback


def _eq(a: Any, b: Any) -> bool:
    t = type(a)
    if t is type(b) and t in _SCALARS:
        return bool(a == b)
    if a is None and b is None:
        return True
    raise Fallback


def _ne(a: Any, b: Any) -> bool:
    return not _eq(a, b)  # _eq raises where CEL must decide


def _ordered(a: Any, b: Any) -> None:
    t = type(a)
    if t is not type(b) or t not in _ORDERED or (t is float and (a != a or b != b)):
        raise Fallback  # CEL orders no NaN


def _lt(a: Any, b: Any) -> bool:
    _ordered(a, b)
    return bool(a < b)


def _le(a: Any, b: Any) -> bool:
    _ordered(a, b)
    return bool(a <= b)


def _gt(a: Any, b: Any) -> bool:
    _ordered(a, b)
    return bool(a > b)


def _ge(a: Any, b: Any) -> bool:
    _ordered(a, b)
    return bool(a >= b)


def _int(value: int) -> int:
    if INT_MIN <= value <= INT_MAX:
        return value
    raise Fallback


def _add(a: Any, b: Any) -> Any:
    t = type(a)
    if t is type(b):
        if t is int:
            return _int(a + b)
        if t is str or t is float:
            return a + b
    if t in _LISTS and type(b) in _LISTS:
        return [*a, *b]
    raise Fallback


def _sub(a: Any, b: Any) -> Any:
    t = type(a)
    if t is type(b) and (t is int or t is float):
        return _int(a - b) if t is int else a - b
    raise Fallback


def _mul(a: Any, b: Any) -> Any:
    t = type(a)
    if t is type(b) and (t is int or t is float):
        return _int(a * b) if t is int else a * b
    raise Fallback


def _div(a: Any, b: Any) -> Any:
    t = type(a)
    if t is type(b) and b:
        if t is int:  # CEL truncates toward zero
            q = abs(a) // abs(b)
            return _int(q if (a < 0) == (b < 0) else -q)
        if t is float:
            return a / b
    raise Fallback


def _mod(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int and b:
        r = abs(a) % abs(b)  # the sign follows the dividend, as in CEL
        return -r if a < 0 else r
    raise Fallback


def _neg(a: Any) -> Any:
    t = type(a)
    if t is int:
        return _int(-a)
    if t is float:
        return -a
    raise Fallback


def _in(x: Any, c: Any) -> bool:
    tc = type(c)
    if tc is dict:
        if type(x) is str:
            return x in c
        raise Fallback
    if tc in _LISTS:
        tx = type(x)
        if tx not in _SCALARS or tx is float:  # Python's ``in`` finds a NaN by identity
            raise Fallback
        for item in c:
            if type(item) is not tx:
                raise Fallback
        return x in c
    raise Fallback


def _in_strs(x: Any, strings: frozenset[str]) -> bool:
    if type(x) is str:
        return x in strings
    raise Fallback


def _sel(o: Any, name: str) -> Any:
    if type(o) is dict:
        return o[name]
    raise Fallback


def _has(o: Any, name: str) -> bool:
    if type(o) is dict:
        return name in o
    raise Fallback


def _index(o: Any, i: Any) -> Any:
    t = type(o)
    if t in _LISTS and type(i) is int and 0 <= i < len(o):
        return o[i]
    if t is dict and type(i) is str:
        return o[i]
    raise Fallback


def _size(x: Any) -> int:
    t = type(x)
    if t is str:  # the CEL engine counts a string's UTF-8 bytes
        return len(x) if x.isascii() else len(x.encode("utf-8"))
    if t in (bytes, list, tuple, dict):
        return len(x)
    raise Fallback


def _strs(a: Any, b: Any) -> None:
    if type(a) is not str or type(b) is not str:
        raise Fallback


def _starts(a: Any, b: Any) -> bool:
    _strs(a, b)
    return bool(a.startswith(b))


def _ends(a: Any, b: Any) -> bool:
    _strs(a, b)
    return bool(a.endswith(b))


def _contains(a: Any, b: Any) -> bool:
    _strs(a, b)
    return b in a


def _items(xs: Any) -> Any:
    if type(xs) in _LISTS:
        return xs
    raise Fallback


def _exists(xs: Any, f: Callable[[Any], Any]) -> bool:
    for x in _items(xs):
        if _b(f(x)):
            return True
    return False


def _all(xs: Any, f: Callable[[Any], Any]) -> bool:
    for x in _items(xs):
        if not _b(f(x)):
            return False
    return True


def _exists_one(xs: Any, f: Callable[[Any], Any]) -> bool:
    return sum(1 for x in _items(xs) if _b(f(x))) == 1


def _filter(xs: Any, f: Callable[[Any], Any]) -> list[Any]:
    return [x for x in _items(xs) if _b(f(x))]


def _map(xs: Any, f: Callable[[Any], Any]) -> list[Any]:
    return [f(x) for x in _items(xs)]


def _map3(xs: Any, keep: Callable[[Any], Any], f: Callable[[Any], Any]) -> list[Any]:
    return [f(x) for x in _items(xs) if _b(keep(x))]


def plain(value: Any) -> Any:
    """A result as CEL hands it back: lists for tuples, plain ints and strings."""
    t = type(value)
    if t is str or t is int or t is float or t is bool or value is None:
        return value
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    for kind in (bool, int, str, float):  # an enum or other subclass, as the plain value
        if isinstance(value, kind):
            return kind(value)
    return value


HELPERS: dict[str, Any] = {
    name: value for name, value in globals().items() if name.startswith("_") and callable(value) and name[1:2] != "_"
}
