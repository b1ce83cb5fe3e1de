"""A loopback stand-in for OpenSearch that the real ``opensearch-py`` client talks to.

Why: no OpenSearch server can be installed on these machines (DESIGN.md), yet the search guard
must be proven through the real client, over real sockets, including the failures a cluster
shows: refused connections, hung connections, 500s and 429s. Faults switch at run time with
:meth:`OpenSearchStandIn.set_mode`:

- ``normal``: answer the API subset below.
- ``refuse``: close the listening socket and drop open connections (connects are refused);
  leaving this mode listens again on the same port.
- ``hang``: accept and read requests, never answer; held requests are answered once the mode
  changes (like a SIGCONT), or dropped by :meth:`stop`.
- ``error500`` / ``error429``: every request gets that status with an OpenSearch error body.

API subset: ``GET|HEAD /``, ``GET /_cluster/health``, ``HEAD|PUT|DELETE /{index}`` (``PUT`` with
``settings`` and ``mappings``), ``GET|PUT /{index}/_mapping``,
``PUT|POST|GET|DELETE /{index}/_doc/{id}``, ``POST /{index}/_doc``, ``POST /_bulk`` and
``/{index}/_bulk`` (index, create, delete), ``POST /{index}/_refresh``, ``GET|POST
/{index}/_search`` and ``/_count``. Queries: ``match_all``, ``term``, ``multi_match`` (best
fields, ``^boost``, ``fuzziness``) and ``bool`` with ``must``/``filter``/``must_not``; anything
else is a 400, so code relying on an unemulated feature fails loudly instead of passing.
Mappings are kept like a cluster keeps them: explicit ones from index creation, dynamic ones
added on first write (a string becomes ``text`` with a ``.keyword`` subfield, as OpenSearch does),
``"dynamic": "strict"`` refusing unmapped fields, and a type never changing in place. A ``term``
query on an analysed (``text``) field is refused with a 400: a real cluster would compare the term
with the analysed tokens and, for a Cognito sub or any mixed-case value, silently match nothing —
the stand-in makes that bug loud.
Like a real cluster, searches see writes only after a refresh (explicit, ``?refresh=true``, or
automatically once ``refresh_interval`` has passed); ``GET`` by id is real-time.

Example::

    with OpenSearchStandIn() as standin:
        client = OpenSearch(hosts=[standin.url])
        standin.set_mode("hang")
"""

from __future__ import annotations

import functools
import json
import re
import socket
import socketserver
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from devstack.embedded import free_port

MODES = ("normal", "refuse", "hang", "error500", "error429")
REFRESH_INTERVAL_S = 1.0
STOP_TIMEOUT_S = 5.0
POLL_INTERVAL_S = 0.05
DEFAULT_SIZE = 10
KEYWORD_SUBFIELD = ".keyword"
ANALYSED_TYPES = frozenset({"text", "match_only_text"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")

Json = dict[str, Any]
SHARDS = {"total": 1, "successful": 1, "skipped": 0, "failed": 0}
FAULT_ERRORS: dict[str, tuple[int, str, str]] = {
    "error500": (500, "internal_server_error", "stand-in fault mode error500"),
    "error429": (429, "rejected_execution_exception", "rejected execution (stand-in fault mode error429)"),
}


class ApiError(Exception):
    """An OpenSearch-style error answer: status, error type, reason."""

    def __init__(self, status: int, error_type: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error_type, self.reason = status, error_type, reason

    def body(self) -> Json:
        cause = {"type": self.error_type, "reason": self.reason}
        return {"error": {"root_cause": [cause], **cause}, "status": self.status}


# -- matching ----------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def tokens(value: Any) -> list[str]:
    """Lower-cased words of a field value (strings, numbers, or lists of them)."""
    if isinstance(value, list):
        return [token for item in value for token in tokens(item)]
    return _WORD.findall(str(value).lower()) if value is not None else []


def auto_edits(term: str) -> int:
    """``fuzziness: AUTO``: no edits up to 2 characters, 1 up to 5, 2 beyond."""
    return 0 if len(term) <= 2 else 1 if len(term) <= 5 else 2


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance counting an adjacent swap as one edit (Lucene's default)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def _allowed_edits(fuzziness: Any, term: str) -> int:
    if fuzziness is None:
        return 0
    if str(fuzziness).upper() == "AUTO":
        return auto_edits(term)
    if str(fuzziness) in ("0", "1", "2"):
        return int(fuzziness)
    raise ApiError(400, "parsing_exception", f"unsupported fuzziness {fuzziness!r}")


def _term_score(term: str, words: list[str], fuzziness: Any) -> float:
    """1 for an exact word, 1/(1+edits) for a fuzzy one, 0 when no word is close enough."""
    allowed = _allowed_edits(fuzziness, term)
    distances = [edit_distance(term, word) for word in words] if allowed else []
    if term in words:
        return 1.0
    close = [d for d in distances if d <= allowed]
    return 1.0 / (1 + min(close)) if close else 0.0


def _multi_match(spec: Json, source: Json) -> float | None:
    _reject_unknown("multi_match", spec, {"query", "fields", "fuzziness", "type", "operator"})
    if spec.get("type", "best_fields") != "best_fields" or spec.get("operator", "or").lower() != "or":
        raise ApiError(400, "parsing_exception", "stand-in supports multi_match type best_fields, operator or")
    query_terms = tokens(spec.get("query", ""))
    best = 0.0
    for field_spec in spec.get("fields", ["*"]):
        name, _, boost = str(field_spec).partition("^")
        names = list(source) if name == "*" else [name]
        words = [word for field_name in names for word in tokens(source.get(field_name))]
        score = sum(_term_score(term, words, spec.get("fuzziness")) for term in query_terms)
        best = max(best, score * float(boost or 1))
    return best if best > 0 else None


def _term(spec: Json, source: Json) -> float | None:
    if len(spec) != 1:
        raise ApiError(400, "parsing_exception", "term query takes exactly one field")
    [(name, wanted)] = spec.items()
    if isinstance(wanted, dict):
        wanted = wanted.get("value")
    actual = source.get(name.removesuffix(KEYWORD_SUBFIELD))
    matched = wanted in actual if isinstance(actual, list) else actual == wanted
    return 1.0 if matched else None


def _clauses(value: Any) -> list[Json]:
    return value if isinstance(value, list) else [value]


def _bool(spec: Json, source: Json) -> float | None:
    _reject_unknown("bool", spec, {"must", "filter", "must_not"})
    score = 0.0
    for clause in _clauses(spec.get("must", [])):
        clause_score = evaluate(clause, source)
        if clause_score is None:
            return None
        score += clause_score
    if any(evaluate(clause, source) is None for clause in _clauses(spec.get("filter", []))):
        return None
    if any(evaluate(clause, source) is not None for clause in _clauses(spec.get("must_not", []))):
        return None
    return score


QUERIES: dict[str, Callable[[Json, Json], float | None]] = {
    "match_all": lambda _spec, _source: 1.0,
    "term": _term,
    "multi_match": _multi_match,
    "bool": _bool,
}


def evaluate(query: Json, source: Json) -> float | None:
    """The document's score under ``query``, or None when it does not match."""
    if not isinstance(query, dict) or len(query) != 1:
        raise ApiError(400, "parsing_exception", f"a query is an object with one key, got {query!r}")
    [(kind, spec)] = query.items()
    if kind not in QUERIES:
        raise ApiError(400, "parsing_exception", f"query [{kind}] is not supported by the stand-in")
    return QUERIES[kind](spec, source)


def term_fields(query: Any) -> list[str]:
    """The fields of every ``term`` query inside ``query`` (through ``bool`` clauses)."""
    if not isinstance(query, dict) or len(query) != 1:
        return []
    [(kind, spec)] = query.items()
    if kind == "term" and isinstance(spec, dict):
        return list(spec)
    if kind == "bool" and isinstance(spec, dict):
        return [name for clauses in spec.values() for clause in _clauses(clauses) for name in term_fields(clause)]
    return []


def _dynamic_property(value: Any) -> Json | None:
    """What OpenSearch's dynamic mapping makes of a new field's first value (None: nothing yet)."""
    if isinstance(value, list):
        return next((found for item in value if (found := _dynamic_property(item)) is not None), None)
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "long"}
    if isinstance(value, float):
        return {"type": "float"}
    if isinstance(value, str):
        if _DATE.match(value):
            return {"type": "date"}
        return {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}
    if isinstance(value, dict):
        return {"type": "object"}
    return None


def _reject_unknown(where: str, spec: Json, known: set[str]) -> None:
    unknown = set(spec) - known
    if unknown:
        raise ApiError(400, "parsing_exception", f"[{where}] does not support {sorted(unknown)} here")


def _sort_keys(sort: Any) -> list[tuple[str, bool]]:
    """``[_score, {updatedAt: desc}]`` -> ``[("_score", True), ("updatedAt", True)]``."""
    keys = []
    for item in _clauses(sort):
        if isinstance(item, str):
            keys.append((item, item == "_score"))
            continue
        [(name, order)] = item.items()
        order = order.get("order", "desc" if name == "_score" else "asc") if isinstance(order, dict) else order
        keys.append((name, order == "desc"))
    return keys


# -- documents ---------------------------------------------------------------------------------


@dataclass
class _Doc:
    version: int
    source: Json


@dataclass
class _Index:
    """Latest documents (what GET sees) and the last refreshed view (what search sees)."""

    latest: dict[str, _Doc] = field(default_factory=dict)
    searchable: dict[str, Json] = field(default_factory=dict)
    dirty_since: float | None = None
    properties: Json = field(default_factory=dict)
    dynamic: Any = True

    def mapping(self) -> Json:
        found: Json = {"properties": self.properties}
        if self.dynamic is not True:
            found["dynamic"] = self.dynamic
        return found

    def add_properties(self, properties: Json) -> None:
        """Merge mapped fields; a field's type never changes in place (as in OpenSearch)."""
        for name, spec in properties.items():
            if not isinstance(spec, dict) or "type" not in spec:
                raise ApiError(400, "mapper_parsing_exception", f"no type specified for field [{name}]")
            known = self.properties.get(name)
            if known is not None and known["type"] != spec["type"]:
                raise ApiError(400, "illegal_argument_exception",
                               f"mapper [{name}] cannot be changed from type [{known['type']}] to [{spec['type']}]")
            self.properties[name] = {**(known or {}), **spec}

    def map_document(self, source: Json) -> None:
        """Dynamic mapping of the fields ``source`` adds; ``strict`` refuses them."""
        for name, value in source.items():
            if name in self.properties:
                continue
            if self.dynamic == "strict":
                raise ApiError(400, "strict_dynamic_mapping_exception",
                               f"mapping set to strict, dynamic introduction of [{name}] within [_doc] is not allowed")
            if self.dynamic is True and (spec := _dynamic_property(value)) is not None:
                self.properties[name] = spec

    def check_term_field(self, name: str) -> None:
        base = name.removesuffix(KEYWORD_SUBFIELD)
        spec = self.properties.get(base)
        if spec is None or spec["type"] not in ANALYSED_TYPES:
            return
        if name.endswith(KEYWORD_SUBFIELD) and "keyword" in spec.get("fields", {}):
            return
        raise ApiError(400, "query_shard_exception",
                       f"term query on analysed text field [{name}] would compare against analysed tokens and "
                       "match nothing for mixed-case or hyphenated values; map the field as keyword "
                       "(stand-in refusal, a real cluster answers with no hits)")

    def refresh(self) -> None:
        self.searchable = {doc_id: doc.source for doc_id, doc in self.latest.items()}
        self.dirty_since = None

    def touched(self) -> None:
        if self.dirty_since is None:
            self.dirty_since = time.monotonic()


class _Store:
    """All indices, behind one lock (requests arrive on many threads)."""

    def __init__(self, refresh_interval: float) -> None:
        self.refresh_interval = refresh_interval
        self.indices: dict[str, _Index] = {}
        self.lock = threading.Lock()

    def index(self, name: str) -> _Index:
        found = self.indices.get(name)
        if found is None:
            raise ApiError(404, "index_not_found_exception", f"no such index [{name}]")
        return found

    def create(self, name: str, body: Json | None = None) -> None:
        if name in self.indices:
            raise ApiError(400, "resource_already_exists_exception", f"index [{name}] already exists")
        if not name or name.startswith(("_", "-", "+")) or name != name.lower():
            raise ApiError(400, "invalid_index_name_exception", f"invalid index name [{name}]")
        body = body or {}
        _reject_unknown("create index", body, {"settings", "mappings", "aliases"})
        index = _Index()
        mappings = body.get("mappings", {})
        _reject_unknown("mappings", mappings, {"properties", "dynamic"})
        index.dynamic = mappings.get("dynamic", True)
        index.add_properties(mappings.get("properties", {}))
        self.indices[name] = index

    def put(self, name: str, doc_id: str, source: Json, *, only_create: bool = False) -> Json:
        if name not in self.indices:
            self.create(name)
        index = self.indices[name]
        previous = index.latest.get(doc_id)
        index.map_document(source)
        if previous is not None and only_create:
            raise ApiError(409, "version_conflict_engine_exception", f"[{doc_id}]: document already exists")
        version = previous.version + 1 if previous else 1
        index.latest[doc_id] = _Doc(version, source)
        index.touched()
        result = "updated" if previous else "created"
        return _write_result(name, doc_id, version, result, 200 if previous else 201)

    def delete(self, name: str, doc_id: str) -> Json:
        index = self.index(name)
        previous = index.latest.pop(doc_id, None)
        if previous is None:
            return _write_result(name, doc_id, 1, "not_found", 404)
        index.touched()
        return _write_result(name, doc_id, previous.version + 1, "deleted", 200)

    def search_view(self, name: str) -> dict[str, Json]:
        index = self.index(name)
        due = index.dirty_since is not None and time.monotonic() - index.dirty_since >= self.refresh_interval
        if due:
            index.refresh()
        return index.searchable


def _write_result(index: str, doc_id: str, version: int, result: str, status: int) -> Json:
    return {"_index": index, "_id": doc_id, "_version": version, "result": result, "_shards": SHARDS, "status": status}


# -- the API -----------------------------------------------------------------------------------


class _Api:
    """Routes one request to the store; returns (status, body)."""

    def __init__(self, store: _Store) -> None:
        self.store = store

    def handle(self, method: str, path: list[str], params: dict[str, str], body: bytes) -> tuple[int, Json]:
        with self.store.lock:
            status, answer = self._route(method, path, params, body)
            if params.get("refresh") in ("", "true", "wait_for") and method in ("PUT", "POST", "DELETE"):
                self._refresh_written(path, answer)
        return status, answer

    def _route(self, method: str, path: list[str], params: dict[str, str], body: bytes) -> tuple[int, Json]:
        match (method, path):
            case ("GET" | "HEAD", []):
                return 200, _INFO
            case ("GET", ["_cluster", "health"]):
                count = len(self.store.indices)
                return 200, {**_HEALTH, "active_primary_shards": count, "active_shards": count}
            case ("POST" | "PUT", ["_bulk"]):
                return 200, self._bulk(None, body)
            case ("POST" | "PUT", [index, "_bulk"]):
                return 200, self._bulk(index, body)
            case ("HEAD", [index]):
                return (200 if index in self.store.indices else 404), {}
            case ("PUT", [index]):
                self.store.create(index, _json(body))
                return 200, {"acknowledged": True, "shards_acknowledged": True, "index": index}
            case ("GET", [index, "_mapping"]):
                return 200, {index: {"mappings": self.store.index(index).mapping()}}
            case ("PUT" | "POST", [index, "_mapping"]):
                update = _json(body)
                _reject_unknown("put mapping", update, {"properties", "dynamic"})
                self.store.index(index).add_properties(update.get("properties", {}))
                return 200, {"acknowledged": True}
            case ("DELETE", [index]):
                self.store.index(index)
                del self.store.indices[index]
                return 200, {"acknowledged": True}
            case ("POST" | "GET", [index, "_refresh"]):
                self.store.index(index).refresh()
                return 200, {"_shards": SHARDS}
            case ("POST", [index, "_doc"]):
                return self._status(self.store.put(index, uuid.uuid4().hex, _json(body)))
            case ("PUT" | "POST", [index, "_doc" | "_create" as kind, doc_id]):
                return self._status(self.store.put(index, doc_id, _json(body), only_create=kind == "_create"))
            case ("GET" | "HEAD", [index, "_doc", doc_id]):
                return self._get(index, doc_id)
            case ("DELETE", [index, "_doc", doc_id]):
                return self._status(self.store.delete(index, doc_id))
            case ("GET" | "POST", [index, "_search"]):
                return 200, self._search(index, params, _json(body))
            case ("GET" | "POST", [index, "_count"]):
                query = _json(body).get("query", {"match_all": {}})
                return 200, {"count": len(self._matches(index, query)), "_shards": SHARDS}
        uri = "/" + "/".join(path)
        raise ApiError(400, "illegal_argument_exception", f"no handler found for uri [{uri}] and method [{method}]")

    @staticmethod
    def _status(result: Json) -> tuple[int, Json]:
        status = result.pop("status")
        return status, result

    def _refresh_written(self, path: list[str], answer: Json) -> None:
        names = {item[action]["_index"] for item in answer.get("items", []) for action in item}
        names |= {path[0]} if path and not path[0].startswith("_") else set()
        for name in names & set(self.store.indices):
            self.store.indices[name].refresh()

    def _get(self, index: str, doc_id: str) -> tuple[int, Json]:
        doc = self.store.index(index).latest.get(doc_id)
        if doc is None:
            return 404, {"_index": index, "_id": doc_id, "found": False}
        return 200, {"_index": index, "_id": doc_id, "_version": doc.version, "found": True, "_source": doc.source}

    def _bulk(self, default_index: str | None, body: bytes) -> Json:
        """Parse every action first (a malformed request changes nothing), then apply them in order."""
        lines = iter(line for line in body.splitlines() if line.strip())
        operations: list[tuple[str, str, Any, Json]] = []
        for line in lines:
            [(action, meta)] = _json(line).items()
            if action not in ("index", "create", "delete"):
                raise ApiError(400, "illegal_argument_exception", f"bulk action [{action}] is not supported")
            index = meta.get("_index", default_index)
            if index is None:
                raise ApiError(400, "action_request_validation_exception", f"bulk [{action}] needs an _index")
            source = _json(next(lines, b"{}")) if action != "delete" else {}
            operations.append((action, index, meta.get("_id"), source))
        items: list[Json] = []
        for action, index, doc_id, source in operations:
            try:
                if action == "delete":
                    result = self.store.delete(index, str(doc_id))
                else:
                    doc_id = str(doc_id or uuid.uuid4().hex)
                    result = self.store.put(index, doc_id, source, only_create=action == "create")
            except ApiError as error:
                result = {"_index": index, "_id": doc_id, "status": error.status, "error": error.body()["error"]}
            items.append({action: result})
        errors = any("error" in item[action] for item in items for action in item)
        return {"took": 1, "errors": errors, "items": items}

    def _matches(self, index: str, query: Json) -> list[tuple[str, float, Json]]:
        for name in term_fields(query):
            self.store.index(index).check_term_field(name)
        matches = []
        for doc_id, source in self.store.search_view(index).items():
            score = evaluate(query, source)
            if score is not None:
                matches.append((doc_id, score, source))
        return matches

    def _search(self, index: str, params: dict[str, str], body: Json) -> Json:
        _reject_unknown("search", body, {"query", "sort", "from", "size", "track_total_hits"})
        start = int(body.get("from", params.get("from", 0)))
        size = int(body.get("size", params.get("size", DEFAULT_SIZE)))
        matches = self._matches(index, body.get("query", {"match_all": {}}))
        hits: list[Json] = [
            {"_index": index, "_id": doc_id, "_score": score, "_source": source} for doc_id, score, source in matches
        ]
        sort_keys = _sort_keys(body["sort"]) if "sort" in body else [("_score", True)]
        for name, descending in reversed(sort_keys):
            present = [hit for hit in hits if _sort_value(hit, name) is not None]
            missing = [hit for hit in hits if _sort_value(hit, name) is None]
            present.sort(key=functools.partial(_sort_value, name=name), reverse=descending)
            hits = present + missing
        if "sort" in body:
            for hit in hits:
                hit["sort"] = [_sort_value(hit, name) for name, _ in sort_keys]
        return {
            "took": 1,
            "timed_out": False,
            "_shards": SHARDS,
            "hits": {
                "total": {"value": len(hits), "relation": "eq"},
                "max_score": max((hit["_score"] for hit in hits), default=None),
                "hits": hits[start : start + size],
            },
        }


def _sort_value(hit: Json, name: str) -> Any:
    return hit["_score"] if name == "_score" else hit["_source"].get(name)


def _json(raw: bytes) -> Json:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise ApiError(400, "parse_exception", "request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(400, "parse_exception", "request body must be a JSON object")
    return value


_INFO: Json = {
    "name": "brickguard-standin",
    "cluster_name": "brickguard-standin",
    "cluster_uuid": "standin",
    "version": {"distribution": "opensearch", "number": "2.11.0", "lucene_version": "9.7.0"},
    "tagline": "The OpenSearch Project: https://opensearch.org/",
}
_HEALTH: Json = {
    "cluster_name": "brickguard-standin",
    "status": "green",
    "timed_out": False,
    "number_of_nodes": 1,
    "number_of_data_nodes": 1,
    "relocating_shards": 0,
    "initializing_shards": 0,
    "unassigned_shards": 0,
}


# -- HTTP and fault modes ----------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() joins handler threads itself, with a deadline

    def __init__(self, standin: OpenSearchStandIn) -> None:
        self.standin = standin
        super().__init__(("127.0.0.1", standin.port), _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skip HTTPServer's reverse-DNS lookup
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection cut by a fault mode is expected; anything else is a stand-in bug."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as urllib3 pools connections
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's delayed
    # ACK (~40 ms on Linux), a latency no real cluster adds. TCP_NODELAY, as OpenSearch sets it.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.standin._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.standin._untrack()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: test output stays readable."""

    def _dispatch(self) -> None:
        standin = self.server.standin
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        mode = standin._answerable_mode()
        if mode in ("refuse", "stopped"):
            self.close_connection = True
            return
        url = urlsplit(self.path)
        path = [unquote(part) for part in url.path.split("/") if part]
        params = {name: values[-1] for name, values in parse_qs(url.query, keep_blank_values=True).items()}
        try:
            if mode in FAULT_ERRORS:
                raise ApiError(*FAULT_ERRORS[mode])
            status, answer = standin._api.handle(self.command, path, params, body)
        except ApiError as error:
            status, answer = error.status, error.body()
        except (ValueError, TypeError, KeyError, AttributeError) as error:  # a malformed request
            status, answer = 400, ApiError(400, "parsing_exception", repr(error)).body()
        self._send(status, answer)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _dispatch

    def _send(self, status: int, answer: Json) -> None:
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


class OpenSearchStandIn:
    """The stand-in's lifecycle and fault switch. See the module docstring for scope."""

    def __init__(self, port: int | None = None, *, refresh_interval: float = REFRESH_INTERVAL_S) -> None:
        self.port = port if port is not None else free_port()
        self._store = _Store(refresh_interval)
        self._api = _Api(self._store)
        self._mode = "normal"
        self._stopping = False
        self._state = threading.Condition()
        self._server: _Server | None = None
        self._serve_thread: threading.Thread | None = None
        self._connections: dict[threading.Thread, socket.socket] = {}
        self.request_count = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mode(self) -> str:
        return self._mode

    def documents(self, index: str) -> dict[str, Json]:
        """Latest source of every document in ``index`` (empty if the index does not exist)."""
        with self._store.lock:
            found = self._store.indices.get(index)
            return {doc_id: dict(doc.source) for doc_id, doc in (found.latest.items() if found else [])}

    def start(self) -> None:
        with self._state:
            self._stopping = False
        if self._mode != "refuse":
            self._listen()

    def stop(self) -> None:
        """Stop listening, drop every connection (hung ones too) and join handlers, bounded."""
        with self._state:
            self._stopping = True
            self._state.notify_all()
        self._unlisten()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for thread in list(self._connections):
            thread.join(max(0.0, deadline - time.monotonic()))

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        with self._state:
            previous, self._mode = self._mode, mode
            self._state.notify_all()
        if mode == "refuse" and previous != "refuse":
            self._unlisten()
        elif previous == "refuse" and mode != "refuse" and not self._stopping:
            self._listen()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- called by handler threads ------------------------------------------------------------

    def _answerable_mode(self) -> str:
        """Count the request; while hung, block until the mode changes or the stand-in stops."""
        with self._state:
            self.request_count += 1
            self._state.wait_for(lambda: self._mode != "hang" or self._stopping)
            return "stopped" if self._stopping else self._mode

    def _track(self, connection: socket.socket) -> None:
        with self._state:
            self._connections[threading.current_thread()] = connection

    def _untrack(self) -> None:
        with self._state:
            self._connections.pop(threading.current_thread(), None)

    # -- listening ----------------------------------------------------------------------------

    def _listen(self) -> None:
        if self._server is not None:
            return
        try:
            self._server = _Server(self)
        except OSError as error:
            raise RuntimeError(f"OpenSearch stand-in cannot listen on 127.0.0.1:{self.port}: {error}") from None
        self._serve_thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL_S},
            name=f"opensearch-standin-{self.port}",
            daemon=True,
        )
        self._serve_thread.start()

    def _unlisten(self) -> None:
        """Close the listening socket, then cut open connections so clients see the outage."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._state:
            connections = list(self._connections.values())
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                continue
