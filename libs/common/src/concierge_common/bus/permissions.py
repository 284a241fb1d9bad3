"""Who may say what on the bus: one NATS user per service, with only its own subjects.

Inside the bus nobody is trusted by default. Each deployable connects as its own
user (``NATS_USER``), and the server lets that user publish and subscribe only on
the subjects its job needs, derived here from the topology
(:mod:`concierge_common.bus.topology`) and the RPC contracts:

* the flows it publishes (``chat.v1.<flow>.>``) and, when it consumes, its own
  durable consumers (one per partition: create, info, fetch, ack), its dead
  letters and the ``failed`` flow that announces them, its partition leases and
  its presence announcements;
* the RPC operations it calls, one subject each (``rpc.v1.<service>.<operation>``),
  and, for a service that answers, its own operations and the replies to them;
* its readiness heartbeat (its own keys of the health bucket), the buckets it reads
  or writes, and its own reply inbox (``_INBOX.<user>.>``, see :func:`inbox_prefix`),
  so that no user can read another's replies;
* for the store only, the removal of an erased person's messages from the streams
  and buckets that may hold them (:func:`_erasing`).

Every runtime declares the streams and buckets at start (idempotent), so every user
may look them up, create and update them (never delete them; only the store purges
a person's conversation from the chat stream).

The gateway has one identity per role: ``gateway-api`` (webhooks and the HTTP API,
including the admin operations staff call with an admin token) and
``gateway-outbound`` (sends replies; calls no operation at all). ``gateway`` is both
in one process, as a developer run starts it. ``admin`` may do anything: the
developer kit's tools and an operator's ``nats`` CLI, never a service.

:func:`server_config` writes these users as a nats-server ``authorization`` block;
``python -m concierge_common.bus.permissions`` prints it for docker compose
(``infra/nats/auth.conf``), and ``--passwords .nats`` draws the users' passwords, one
file per user (:func:`write_passwords`).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from concierge_common.bus.topology import ConsumerSpec, Topology
from concierge_common.contracts import ai_api, handoff_api, store_api

ADMIN = "admin"


@dataclass(frozen=True)
class Identity:
    """What one NATS user does on the bus; ``service`` names its consumers, keys, presence."""

    user: str
    service: str
    publishes: tuple[str, ...] = ()  # flows
    consumes: tuple[str, ...] = ()  # flows (one durable consumer per partition)
    calls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # service -> operations
    serves: bool = False  # answers rpc.v1.<service>.>
    reads: tuple[str, ...] = ()  # buckets (Topology attribute names)
    writes: tuple[str, ...] = ()  # buckets (Topology attribute names)
    watches_health: bool = False  # reads every heartbeat (GET /health)
    api_replies: str = ""  # "publish" or "subscribe": the POST /orchestrate meeting point
    peeks: bool = False  # reads single messages of the chat stream (any subject)
    erases: bool = False  # removes a person's messages from streams and buckets (see below)


_ADMIN_OPERATIONS = (
    store_api.SERVICE_LIST,
    store_api.SERVICE_GET,
    store_api.SERVICE_CREATE,
    store_api.SERVICE_UPDATE,
    store_api.SERVICE_DELETE,
    store_api.CONTEXT_LIST,
    store_api.CONTEXT_GET,
    store_api.CONTEXT_CREATE,
    store_api.CONTEXT_DELETE,
    store_api.INFO_LIST,
    store_api.INFO_GET,
    store_api.INFO_CREATE,
    store_api.INFO_UPDATE,
    store_api.INFO_DELETE,
    store_api.USER_GET,
    store_api.USER_ERASE,
    store_api.ROLE_LIST,
    store_api.ROLE_GRANT,
    store_api.ROLE_REVOKE,
    store_api.FAMILY_LIST,
    store_api.FAMILY_READ,
    store_api.FAMILY_CREATE,
    store_api.FAMILY_UPDATE,
    store_api.FAMILY_DELETE,
    store_api.FAMILY_ISSUE_CODE,
    store_api.FAMILY_REVOKE_CODE,
)
_DESK_OPERATIONS = (
    handoff_api.DESK_LIST,
    handoff_api.DESK_GET,
    handoff_api.DESK_REPLY,
    handoff_api.DESK_ASSIGN,
    handoff_api.DESK_RETURN,
    handoff_api.DESK_CLOSE,
)

GATEWAY_API = Identity(
    user="gateway-api",
    service="gateway",
    publishes=("inbound", "sent"),
    calls={
        store_api.SERVICE: (
            store_api.SESSION_GET,
            store_api.SESSION_UPDATE,
            store_api.INTERACTION_KNOWN,
            store_api.INTERACTION_LIST,  # a handoff's transcript in the staff console
            *_ADMIN_OPERATIONS,
        ),
        handoff_api.SERVICE: _DESK_OPERATIONS,
    },
    reads=("waha_bucket", "lid_bucket"),
    writes=("waha_bucket", "lid_bucket"),
    watches_health=True,
    api_replies="subscribe",
)
GATEWAY_OUTBOUND = Identity(
    user="gateway-outbound",
    service="gateway",
    publishes=("sent",),
    consumes=("outbound",),
    reads=("sent_bucket",),
    writes=("sent_bucket",),
    api_replies="publish",
)
ROUTER = Identity(
    user="router",
    service="router",
    publishes=("ai", "handoff"),
    consumes=("inbound",),
    calls={
        store_api.SERVICE: (
            store_api.SESSION_OPEN,
            store_api.SESSION_UPDATE,
            store_api.SERVICE_LIST,
            store_api.CONTEXT_LIST,
            store_api.INFO_LIST,  # the proper nouns of the facts (router.personal)
            store_api.ROLE_LIST,
            store_api.CODE_CLAIM,
            store_api.FAMILY_GET,
            store_api.HANDOFF_OPEN,
            store_api.HANDOFF_FIND,
        ),
        ai_api.SERVICE: (ai_api.CLASSIFY,),
    },
    peeks=True,  # whether a conversation's next message is already waiting (router.next_message)
)
AI = Identity(
    user="ai",
    service="ai",
    publishes=("outbound", "handoff"),
    consumes=("ai",),
    calls={
        store_api.SERVICE: (
            store_api.SERVICE_LIST,
            store_api.CONTEXT_LIST,
            store_api.INFO_LIST,
            store_api.INTERACTION_LIST,
            store_api.HANDOFF_OPEN,
            store_api.HANDOFF_FIND,
        ),
    },
    serves=True,
)
HANDOFF = Identity(
    user="handoff",
    service="handoff",
    publishes=("ai", "handoff", "outbound"),
    consumes=("handoff", "failed"),
    calls={
        store_api.SERVICE: (
            store_api.SESSION_OPEN,
            store_api.SERVICE_LIST,
            store_api.CONTEXT_LIST,
            store_api.HANDOFF_OPEN,
            store_api.HANDOFF_GET,
            store_api.HANDOFF_FIND,
            store_api.HANDOFF_LIST,
            store_api.HANDOFF_MOVE,
            store_api.HANDOFF_TOUCH,
            store_api.HANDOFF_NOTICE,
            store_api.HANDOFF_EVENTS,
        ),
    },
    serves=True,
)
STORE = Identity(
    user="store",
    service="store",
    consumes=("inbound", "sent"),
    serves=True,
    erases=True,  # a privacy erasure removes the person's copies (store.bus_traces)
)


def _merged(user: str, *parts: Identity) -> Identity:
    """One process doing the jobs of ``parts`` (of one service)."""
    calls: dict[str, tuple[str, ...]] = {}
    for part in parts:
        for service, operations in part.calls.items():
            calls[service] = tuple(dict.fromkeys((*calls.get(service, ()), *operations)))

    def union(name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(item for part in parts for item in getattr(part, name)))

    return Identity(
        user=user,
        service=parts[0].service,
        publishes=union("publishes"),
        consumes=union("consumes"),
        calls=calls,
        serves=any(part.serves for part in parts),
        reads=union("reads"),
        writes=union("writes"),
        watches_health=any(part.watches_health for part in parts),
        erases=any(part.erases for part in parts),
        api_replies="both" if len({p.api_replies for p in parts} - {""}) > 1 else "",
    )


# Both gateway roles in one process (GATEWAY_ROLES=api,outbound: a developer run).
GATEWAY = _merged("gateway", GATEWAY_API, GATEWAY_OUTBOUND)

IDENTITIES: tuple[Identity, ...] = (
    GATEWAY_API,
    GATEWAY_OUTBOUND,
    GATEWAY,
    ROUTER,
    AI,
    HANDOFF,
    STORE,
)
USERS: tuple[str, ...] = (*(identity.user for identity in IDENTITIES), ADMIN)


def identity(user: str) -> Identity:
    """The identity named ``user``; KeyError for an unknown one (or ``admin``)."""
    for candidate in IDENTITIES:
        if candidate.user == user:
            return candidate
    raise KeyError(user)


def inbox_prefix(user: str) -> str:
    """Where a user's replies arrive: ``_INBOX.<user>`` (``_INBOX`` without a user)."""
    return f"_INBOX.{user}" if user else "_INBOX"


@dataclass(frozen=True)
class Permissions:
    """The subjects one user may publish to and subscribe to."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    allow_responses: bool


def _unique(subjects: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(subjects))


def _declaring(topo: Topology) -> list[str]:
    """Every runtime declares the streams and buckets (idempotent) and beats."""
    streams = [topo.stream, topo.dlq_stream] + [f"KV_{bucket}" for bucket in _buckets(topo)]
    subjects = [
        f"$JS.API.STREAM.{verb}.{stream}"
        for stream in streams
        for verb in ("INFO", "CREATE", "UPDATE")
    ]
    subjects += _bucket_reads(topo.meta_bucket)
    subjects.append(f"$KV.{topo.meta_bucket}.partitions")
    return subjects


def _buckets(topo: Topology) -> tuple[str, ...]:
    return (
        topo.sent_bucket,
        topo.meta_bucket,
        topo.lease_bucket,
        topo.waha_bucket,
        topo.lid_bucket,
        topo.health_bucket,
    )


def _bucket_reads(bucket: str) -> list[str]:
    stream = f"KV_{bucket}"
    return [
        f"$JS.API.DIRECT.GET.{stream}",
        f"$JS.API.DIRECT.GET.{stream}.>",
        f"$JS.API.STREAM.MSG.GET.{stream}",
    ]


def _bucket_watch(bucket: str) -> list[str]:
    """An ordered consumer over a whole bucket (a snapshot of every key)."""
    stream = f"KV_{bucket}"
    return [
        f"$JS.API.CONSUMER.CREATE.{stream}",
        f"$JS.API.CONSUMER.CREATE.{stream}.>",
        f"$JS.API.CONSUMER.INFO.{stream}.*",
        f"$JS.API.CONSUMER.DELETE.{stream}.*",
        f"$JS.FC.{stream}.>",
        f"$JS.ACK.{stream}.>",
    ]


def _consumer(topo: Topology, name: str) -> list[str]:
    """Create, look up, fetch from and settle one durable consumer of the chat stream."""
    stream = topo.stream
    return [
        f"$JS.API.CONSUMER.INFO.{stream}.{name}",
        f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{name}",
        f"$JS.API.CONSUMER.CREATE.{stream}.{name}",
        f"$JS.API.CONSUMER.CREATE.{stream}.{name}.>",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{name}",
        f"$JS.ACK.{stream}.{name}.>",
    ]


def _erasing(topo: Topology) -> list[str]:
    """A privacy erasure reads the chat and dead-letter streams and the buckets that
    name people (linked ids, the send ledger) through ephemeral consumers, deletes the
    person's messages one by one and purges their conversations' subjects and their
    keys (a bucket refuses single deletes)."""
    buckets = [f"KV_{topo.lid_bucket}", f"KV_{topo.sent_bucket}"]
    streams = [topo.stream, topo.dlq_stream, *buckets]
    subjects = [f"$JS.API.STREAM.PURGE.{stream}" for stream in (topo.stream, *buckets)]
    subjects += [f"$JS.API.STREAM.MSG.DELETE.{stream}" for stream in (topo.stream, topo.dlq_stream)]
    for stream in streams:
        subjects += [
            f"$JS.API.CONSUMER.CREATE.{stream}.>",
            f"$JS.API.CONSUMER.INFO.{stream}.*",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.*",
            f"$JS.API.CONSUMER.DELETE.{stream}.*",
        ]
    return subjects


def _consuming(topo: Topology, who: Identity) -> tuple[list[str], list[str]]:
    """Publish and subscribe subjects of a service that consumes flows."""
    if not who.consumes:
        return [], []
    pub: list[str] = []
    for flow in who.consumes:
        spec = ConsumerSpec(who.service, flow)
        for part in range(topo.partitions):
            pub += _consumer(topo, topo.consumer_name(spec, part))
    pub += _bucket_reads(topo.lease_bucket)
    pub.append(f"$KV.{topo.lease_bucket}.{who.service}.>")
    pub.append(topo.presence_subject(who.service))
    pub.append(topo.dlq_subject(who.service, ">"))
    pub.append(f"{topo.subject_prefix}chat.v1.failed.>")  # a dead letter is announced
    return pub, [topo.presence_subject(who.service)]


def _api_replies(topo: Topology, who: Identity) -> tuple[list[str], list[str]]:
    subject = f"{topo.subject_prefix}orchestrate.v1.reply.*"
    pub = [subject] if who.api_replies in ("publish", "both") else []
    sub = [subject] if who.api_replies in ("subscribe", "both") else []
    return pub, sub


def permissions(topo: Topology, who: Identity) -> Permissions:
    """The subjects ``who`` may publish to and subscribe to on the bus of ``topo``."""
    pub = _declaring(topo)
    pub += _bucket_reads(topo.health_bucket)
    pub.append(f"$KV.{topo.health_bucket}.{who.service}.>")
    sub = [f"{inbox_prefix(who.user)}.>"]
    pub += [f"{topo.subject_prefix}chat.v1.{flow}.>" for flow in who.publishes]
    for service, operations in who.calls.items():
        pub += [topo.rpc_subject(service, operation) for operation in operations]
    if who.serves:
        sub += [topo.rpc_subject(who.service, ">"), "$SRV.>"]
    for bucket in (getattr(topo, name) for name in who.reads):
        pub += _bucket_reads(bucket)
    pub += [f"$KV.{getattr(topo, name)}.>" for name in who.writes]
    if who.peeks:
        pub.append(f"$JS.API.STREAM.MSG.GET.{topo.stream}")
    if who.watches_health:
        pub += _bucket_watch(topo.health_bucket)
    if who.erases:
        pub += _erasing(topo)
    for extra_pub, extra_sub in (_consuming(topo, who), _api_replies(topo, who)):
        pub += extra_pub
        sub += extra_sub
    return Permissions(_unique(pub), _unique(sub), allow_responses=who.serves)


def password_variable(user: str) -> str:
    """The environment variable holding ``user``'s password (``NATS_PASSWORD_GATEWAY_API``)."""
    return "NATS_PASSWORD_" + user.upper().replace("-", "_")


def _listed(name: str, values: tuple[str, ...]) -> list[str]:
    """``name: { allow: [...] }``, one subject a line (quoted: ``$JS`` is no variable)."""
    return [
        f"        {name}: {{ allow: [",
        *(f"          {json.dumps(value)}" for value in values),
        "        ] }",
    ]


def _user_block(user: str, password: str, granted: Permissions | None) -> list[str]:
    lines = ["    {", f"      user: {json.dumps(user)}", f"      password: {password}"]
    if granted is not None:
        lines += [
            "      permissions: {",
            *_listed("publish", granted.publish),
            *_listed("subscribe", granted.subscribe),
        ]
        if granted.allow_responses:
            lines.append("        allow_responses: true")
        lines.append("      }")
    lines.append("    }")
    return lines


def server_config(topo: Topology, passwords: Mapping[str, str] | None = None) -> str:
    """A nats-server ``authorization`` block with every user of :data:`USERS`.

    ``passwords``: each user's password, written in the file (a developer run's
    private config); without it, each password is the server's environment
    variable :func:`password_variable` (docker compose passes them from ``.env``).
    """
    lines = [
        "# Generated by `python -m concierge_common.bus.permissions`: do not edit by hand.",
        f"# Bus namespace {topo.namespace!r}, {topo.partitions} partitions.",
        "authorization {",
        "  users = [",
    ]
    for user in USERS:
        password = (
            json.dumps(passwords[user]) if passwords is not None else f"${password_variable(user)}"
        )
        granted = None if user == ADMIN else permissions(topo, identity(user))
        lines += _user_block(user, password, granted)
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


def write_passwords(folder: Path) -> list[Path]:
    """New passwords: ``server.env`` (every user's, for nats-server) and ``<user>.env``.

    Each ``<user>.env`` holds that user's ``NATS_PASSWORD`` only, so that a container
    given its own file never sees another service's password. Owner-only files; an
    existing file is kept (its password may be in use).
    """
    folder.mkdir(parents=True, exist_ok=True)
    drawn = {user: secrets.token_urlsafe(32) for user in USERS}
    files = {folder / f"{user}.env": f"NATS_PASSWORD={drawn[user]}\n" for user in USERS}
    files[folder / "server.env"] = "".join(
        f"{password_variable(user)}={drawn[user]}\n" for user in USERS
    )
    if any(path.exists() for path in files):
        raise SystemExit(f"{folder} already holds passwords: remove it to draw new ones")
    for path, text in files.items():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(text)
    return list(files)


def main(argv: list[str] | None = None) -> None:
    """Print the authorization block of a bus, or draw its users' passwords."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--namespace", default="")
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument(
        "--passwords", type=Path, metavar="FOLDER", help="write new passwords there instead"
    )
    args = parser.parse_args(argv)
    if args.passwords is not None:
        for path in write_passwords(args.passwords):
            sys.stdout.write(f"{path}\n")
        return
    sys.stdout.write(server_config(Topology(args.namespace, args.partitions)))


if __name__ == "__main__":
    main()
