"""Rule expressions as Python functions: a fast path in front of the CEL engine.

Handing one message's facts to CEL means converting every value the rules read into
CEL values (``cel.Context``): about a millisecond per message, more than evaluating
all the rules. ``compile_native`` translates the part of CEL that rules use into a
Python function over the same (projected) facts, so that most messages never build
a CEL context at all.

It is a fast path, not a second engine. The CEL program stays the reference:

- an expression using anything outside the subset below is not translated
  (``compile_native`` returns None) and that rule always runs on CEL;
- at run time, every operation checks that its operands are of the kinds whose CEL
  meaning it reproduces exactly (``==`` on two strings, ``+`` on two ints within
  int64, ``exists`` over a list, ...). Anything else, and any error (a missing map
  key, an index out of range, a regex error), raises, and the caller evaluates that
  rule on CEL instead. So an expression either gets the value CEL would give, or
  CEL decides, including CEL's error-absorbing ``&&`` and ``||``.

The subset: literals (bool, null, int, double, string, raw and triple quoted), lists,
names, fields, indexing, ``! - * / % + - < <= > >= == != in && || ?:``, ``has``,
``size``, ``startsWith``, ``endsWith``, ``contains``, the macros ``exists``, ``all``,
``exists_one``, ``filter`` and ``map`` (over lists) and the registered functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .native_ops import HELPERS, INT_MAX, INT_MIN, Fallback, plain

__all__ = ["Fallback", "NativeProgram", "compile_native", "plain"]

NativeProgram = Callable[[Mapping[str, Any]], Any]


class Unsupported(Exception):
    """An expression outside the translated subset (compile time)."""


# builtins that inlined checks name (``type(t1) is str``); nothing else is reachable
_INLINE_NAMES: dict[str, Any] = {"type": type, "dict": dict, "str": str, "int": int, "bool": bool}

# --- the translator --------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<string>[rRbB]{0,2}(?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))
  | (?P<number>0[xX][0-9a-fA-F]+[uU]?|(?:\d+\.\d+|\.\d+|\d+)(?:[eE][+-]?\d+)?[uU]?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[<>!+\-*/%?:.,()\[\]{}])
    """,
    re.VERBOSE,
)
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|[abfnrtv\\'\"`?]|.|\n)")
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?",
}  # fmt: skip
_RESERVED = frozenset(
    "as break const continue else for function if import let loop package namespace return var void while".split()
)
_MACROS = {"exists": "_exists", "all": "_all", "exists_one": "_exists_one", "filter": "_filter"}
_STRING_METHODS = {"startsWith": "_starts", "endsWith": "_ends", "contains": "_contains"}
_RELATIONS = {"==": "_eq", "!=": "_ne", "<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge"}
_ARITHMETIC = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod"}


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[code]
    if code[0] in "xuU":
        value = int(code[1:], 16)
    elif len(code) == 3 and code.isdigit():
        value = int(code, 8)
    else:
        raise Unsupported(f"escape \\{code}")
    if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
        raise Unsupported("surrogate escape")
    return chr(value)


def _string(token: str) -> str:
    prefix = token[: len(token) - len(token.lstrip("rRbB"))]
    if "b" in prefix.lower():
        raise Unsupported("bytes literal")
    body = token[len(prefix) :]
    quote = 3 if body[:3] in ('"""', "'''") else 1
    text = body[quote:-quote]
    return text if prefix else _ESCAPE.sub(_unescape, text)


class _Node:
    """Generated code for one sub-expression, with what a parent needs to know."""

    __slots__ = ("code", "field", "is_bool", "name", "strings", "target")

    def __init__(self, code: str, *, name: str | None = None, target: str | None = None,
                 field: str | None = None, strings: frozenset[str] | None = None,
                 is_bool: bool = False) -> None:  # fmt: skip
        self.code = code
        self.is_bool = is_bool  # the code always gives a bool (or raises): no check needed
        self.name = name  # a bare identifier
        self.target = target  # for a selection ``target.field``
        self.field = field
        self.strings = strings  # a list literal of strings


class _Parser:
    def __init__(self, expr: str, functions: frozenset[str]) -> None:
        self.functions = functions
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(expr):
            match = _TOKEN.match(expr, pos)
            if match is None:
                raise Unsupported(f"unexpected text at {pos}")
            kind = match.lastgroup or ""
            if kind != "space":
                self.tokens.append((kind, match.group()))
            pos = match.end()
        self.pos = 0
        self.constants: dict[str, Any] = {}
        self.scope: list[str] = []
        self.temps = 0

    def peek(self) -> str:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise Unsupported("unexpected end")
        token = self.tokens[self.pos]
        if expected is not None and (token[0] != "op" or token[1] != expected):
            raise Unsupported(f"expected {expected!r}")
        self.pos += 1
        return token

    def temp(self) -> str:
        """A fresh local name for an inlined check (``(t1 := value)``)."""
        self.temps += 1
        return f"t{self.temps}"

    def boolean(self, node: _Node) -> str:
        """``_b(node)`` inlined: the value when it is a bool, else Fallback."""
        if node.is_bool:
            return node.code
        t = self.temp()
        return f"(True if ({t} := {node.code}) is True else False if {t} is False else _fb())"

    def constant(self, value: Any) -> str:
        name = f"k{len(self.constants)}"
        self.constants[name] = value
        return name

    def parse(self) -> str:
        node = self.ternary()
        if self.pos != len(self.tokens):
            raise Unsupported("trailing tokens")
        return node.code

    def ternary(self) -> _Node:
        cond = self.binary(0)
        if self.peek() != "?":
            return cond
        self.take("?")
        yes = self.binary(0)  # CEL: the middle is a conditional-or
        self.take(":")
        no = self.ternary()
        return _Node(f"({yes.code} if {self.boolean(cond)} else {no.code})", is_bool=yes.is_bool and no.is_bool)

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",), ("&&",), ("==", "!=", "<", "<=", ">", ">=", "in"), ("+", "-"), ("*", "/", "%"),
    )  # fmt: skip

    def binary(self, level: int) -> _Node:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        ops = self._LEVELS[level]
        while self.pos < len(self.tokens) and self.tokens[self.pos][1] in ops:
            op = self.take()[1]
            right = self.binary(level + 1)
            left = self.combine(op, left, right)
        return left

    def combine(self, op: str, left: _Node, right: _Node) -> _Node:
        if op == "||":
            return _Node(f"({self.boolean(left)} or {self.boolean(right)})", is_bool=True)
        if op == "&&":
            return _Node(f"({self.boolean(left)} and {self.boolean(right)})", is_bool=True)
        if op == "in":
            if right.strings is not None:
                return _Node(f"_in_strs({left.code}, {right.code}_set)", is_bool=True)
            return _Node(f"_in({left.code}, {right.code})", is_bool=True)
        inlined = self.against_constant(op, left, right)
        if inlined is not None:
            return inlined
        if op in _RELATIONS:
            return _Node(f"{_RELATIONS[op]}({left.code}, {right.code})", is_bool=True)
        return _Node(f"{_ARITHMETIC[op]}({left.code}, {right.code})")

    def against_constant(self, op: str, left: _Node, right: _Node) -> _Node | None:
        """``x == "text"``, ``n > 0``...: a relation with a string, int or bool literal on
        the right, inlined as the helper would run it (the same type, else Fallback).
        Doubles keep the helpers (NaN is not ordered in CEL)."""
        if op not in _RELATIONS or right.code not in self.constants:
            return None
        kind = type(self.constants[right.code])
        if kind not in (str, int, bool) or (kind is bool and op not in ("==", "!=")):
            return None
        t = self.temp()
        python_op = {"==": "==", "!=": "!="}.get(op, op)
        code = f"({t} {python_op} {right.code} if type({t} := {left.code}) is {kind.__name__} else _fb())"
        return _Node(code, is_bool=True)

    def unary(self) -> _Node:
        op = self.peek()
        if op in ("!", "-") and self.tokens[self.pos][0] == "op":
            self.take()
            if op == "-" and self.peek() and self.tokens[self.pos][0] == "number":
                return self.member(self.number(negative=True))
            operand = self.unary()
            if op == "!":
                return _Node(f"(not {self.boolean(operand)})", is_bool=True)
            return _Node(f"_neg({operand.code})")
        return self.member(self.primary())

    def number(self, *, negative: bool = False) -> _Node:
        text = self.take()[1]
        if text[-1] in "uU":
            raise Unsupported("unsigned literal")
        if text[:2].lower() == "0x":
            value: int | float = int(text, 16)
        elif any(c in text for c in ".eE"):
            value = float(text)
        else:
            value = int(text)
        value = -value if negative else value
        if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
            raise Unsupported("int literal out of range")
        return _Node(self.constant(value))

    def primary(self) -> _Node:
        kind, text = self.tokens[self.pos] if self.pos < len(self.tokens) else ("", "")
        if kind == "number":
            return self.number()
        if kind == "string":
            self.take()
            return _Node(self.constant(_string(text)))
        if kind == "name":
            return self.name()
        if text == "(":
            self.take("(")
            inner = self.ternary()
            self.take(")")
            return _Node(f"({inner.code})", is_bool=inner.is_bool)
        if text == "[":
            return self.list_literal()
        raise Unsupported(f"unexpected {text!r}")

    def list_literal(self) -> _Node:
        self.take("[")
        items: list[_Node] = []
        while self.peek() != "]":
            items.append(self.ternary())
            if self.peek() != ",":
                break
            self.take(",")
        self.take("]")
        values = [self.constants.get(item.code) for item in items]
        if items and all(item.code in self.constants and type(v) is str for item, v in zip(items, values, strict=True)):
            strings = frozenset(str(v) for v in values)
            name = self.constant(tuple(values))
            self.constants[f"{name}_set"] = strings
            return _Node(name, strings=strings)
        return _Node("[" + ", ".join(item.code for item in items) + "]")

    def name(self) -> _Node:
        text = self.take()[1]
        if text in ("true", "false", "null"):
            return _Node({"true": "True", "false": "False", "null": "None"}[text], is_bool=text != "null")
        if text in _RESERVED or text == "in":
            raise Unsupported(f"reserved word {text}")
        if self.peek() == "(":
            return self.call(text)
        if text in self.scope:
            return _Node(f"v_{text}", name=text)
        return _Node(f"V[{text!r}]", name=text)

    def arguments(self) -> list[_Node]:
        self.take("(")
        args: list[_Node] = []
        while self.peek() != ")":
            args.append(self.ternary())
            if self.peek() != ",":
                break
            self.take(",")
        self.take(")")
        return args

    def call(self, function: str) -> _Node:
        if function == "has":
            args = self.arguments()
            if len(args) != 1 or args[0].field is None:
                raise Unsupported("has() needs a field selection")
            return _Node(f"_has({args[0].target}, {args[0].field!r})", is_bool=True)
        args = self.arguments()
        if function == "size" and len(args) == 1:
            return _Node(f"_size({args[0].code})")
        if function in self.functions:
            return _Node(f"F_{function}(" + ", ".join(a.code for a in args) + ")")
        raise Unsupported(f"function {function}")

    def member(self, node: _Node) -> _Node:
        while self.pos < len(self.tokens) and self.tokens[self.pos][0] == "op" and self.peek() in (".", "["):
            if self.take()[1] == "[":
                index = self.ternary()
                self.take("]")
                node = _Node(f"_index({node.code}, {index.code})")
                continue
            kind, field = self.take()
            if kind != "name" or field in _RESERVED:
                raise Unsupported("field name")
            if self.peek() == "(":
                node = self.method(node, field)
            else:
                t = self.temp()  # ``_sel`` inlined: a field of a dict, else Fallback
                code = f"({t}[{field!r}] if type({t} := {node.code}) is dict else _fb())"
                node = _Node(code, target=node.code, field=field)
        return node

    def method(self, target: _Node, method: str) -> _Node:
        if method in _MACROS or method == "map":
            return self.macro(target, method)
        args = self.arguments()
        if method == "size" and not args:
            return _Node(f"_size({target.code})")
        if method in _STRING_METHODS and len(args) == 1:
            return _Node(f"{_STRING_METHODS[method]}({target.code}, {args[0].code})", is_bool=True)
        raise Unsupported(f"method {method}")

    def macro(self, target: _Node, method: str) -> _Node:
        self.take("(")
        kind, var = self.take()
        if kind != "name" or var in _RESERVED or var in ("true", "false", "null", "in"):
            raise Unsupported("macro variable")
        self.take(",")
        self.scope.append(var)
        try:
            first = self.ternary()
            second = None
            if self.peek() == ",":
                self.take(",")
                second = self.ternary()
        finally:
            self.scope.pop()
        self.take(")")
        lam = f"lambda v_{var}: "
        if method == "map":
            if second is None:
                return _Node(f"_map({target.code}, {lam}{first.code})")
            return _Node(f"_map3({target.code}, {lam}{first.code}, {lam}{second.code})")
        if second is not None:
            raise Unsupported(f"{method} with three arguments")
        return _Node(f"{_MACROS[method]}({target.code}, {lam}{first.code})", is_bool=method != "filter")


def compile_native(expr: str, functions: Mapping[str, Callable[..., Any]]) -> NativeProgram | None:
    """``expr`` as a Python function of the variables, or None outside the subset.

    The function raises (``Fallback`` or any error) wherever CEL must decide."""
    try:
        parser = _Parser(expr, frozenset(functions))
        body = parser.parse()
    except (Unsupported, IndexError, ValueError, RecursionError):
        return None
    namespace: dict[str, Any] = {"__builtins__": {}, **_INLINE_NAMES, **HELPERS, **parser.constants}
    namespace.update({f"F_{name}": function for name, function in functions.items()})
    try:
        code = compile(f"lambda V: {body}", "<rule>", "eval")
    except (SyntaxError, RecursionError, ValueError):
        return None
    program: NativeProgram = eval(code, namespace)  # noqa: S307 - code generated above from parsed tokens only
    return program
