"""Where the newest OAuth tokens live between runs, and which tokens are the newest at start.

Brightpearl refresh tokens are single-use: each refresh returns a new one and kills the old.
The ``--config`` file is no home for it under Meltano (a temporary file rebuilt from Meltano's
settings on every run) nor with ``--config ENV`` (no file at all), so the tap keeps its own
store: one JSON file per grant (account, app ref, token URL), written atomically, owner-only.
With ``oauth_tokens_in_state`` the same record also rides in the Singer STATE under
``STATE_KEY``, for workers where only Meltano's state survives.

"Newer" is decided by the rotation chain, never by clocks alone: every record lists the
fingerprints (SHA-256) of the refresh tokens it rotated away from, so a config whose refresh
token is in that list is stale; a refresh token the store has never seen is a new grant (the app
was re-authorised) and the config wins.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import typing as t
from dataclasses import dataclass, field, replace
from pathlib import Path

if t.TYPE_CHECKING:
    from collections.abc import Mapping, MutableMapping

    from tap_brightpearl.settings import Settings

logger = logging.getLogger("tap-brightpearl")

STATE_KEY = "tap_brightpearl_oauth"  # top-level key of the Singer state owned by the tap
HISTORY = 20  # rotated-away refresh-token fingerprints kept per record
VERSION = 1


def fingerprint(token: str) -> str:
    """A one-way name for a refresh token (the store never keeps used tokens themselves)."""
    return hashlib.sha256(token.encode()).hexdigest()


def default_store_path(
    account: str, app_ref: str, environ: Mapping[str, str] | None = None
) -> Path:
    """``$XDG_STATE_HOME/tap-brightpearl/<account>-<app_ref>.json`` (``~/.local/state``)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME") or ""
    root = Path(base) if Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "tap-brightpearl" / f"{_safe(account)}-{_safe(app_ref)}.json"


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", part) or "_"


@dataclass(frozen=True)
class Grant:
    """What a token record belongs to; a record for another grant is ignored."""

    account: str
    app_ref: str
    token_url: str


@dataclass(frozen=True)
class TokenSet:
    """One set of OAuth tokens and where it stands in the rotation chain."""

    access_token: str | None
    refresh_token: str | None
    expires_at: float | None = None
    expires_in: float | None = None
    token_type: str | None = None
    api_domain: str | None = None
    issued_at: float | None = None  # by the token endpoint; None: given in the config
    replaced: tuple[str, ...] = field(default_factory=tuple)  # fingerprints, newest first

    def rotated(self, new: TokenSet) -> TokenSet:
        """``new`` (fresh from the token endpoint) with this set's chain appended."""
        chain = self.replaced
        if self.refresh_token and self.refresh_token != new.refresh_token:
            chain = (fingerprint(self.refresh_token), *chain)
        return replace(new, replaced=chain[:HISTORY])

    def record(self, grant: Grant) -> dict[str, t.Any]:
        """The JSON form kept in the store file and the state."""
        return {
            "version": VERSION,
            "account": grant.account,
            "app_ref": grant.app_ref,
            "token_url": grant.token_url,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "expires_in": self.expires_in,
            "token_type": self.token_type,
            "api_domain": self.api_domain,
            "issued_at": self.issued_at,
            "replaced": list(self.replaced),
        }

    @classmethod
    def from_record(cls, record: t.Any, grant: Grant) -> TokenSet | None:
        """The tokens of a record made for ``grant``; None for another grant or a bad record."""
        if not isinstance(record, dict) or record.get("version") != VERSION:
            return None
        if (record.get("account"), record.get("app_ref"), record.get("token_url")) != (
            grant.account,
            grant.app_ref,
            grant.token_url,
        ):
            return None
        try:
            return cls(
                access_token=_str(record.get("access_token")),
                refresh_token=_str(record.get("refresh_token")),
                expires_at=_num(record.get("expires_at")),
                expires_in=_num(record.get("expires_in")),
                token_type=_str(record.get("token_type")),
                api_domain=_str(record.get("api_domain")),
                issued_at=_num(record.get("issued_at")),
                replaced=tuple(str(f) for f in record.get("replaced") or ()),
            )
        except (TypeError, ValueError):
            return None


def _str(value: t.Any) -> str | None:
    return None if value in (None, "") else str(value)


def _num(value: t.Any) -> float | None:
    return None if value is None else float(value)


def supersedes(new: TokenSet, old: TokenSet) -> bool:
    """True when ``new`` came after ``old`` in the same grant's rotation chain."""
    if not new.refresh_token or not old.refresh_token:
        return False
    if fingerprint(old.refresh_token) in new.replaced:
        return True  # old's refresh token was used up to get new (or a successor of it)
    if new.refresh_token != old.refresh_token or new.issued_at is None:
        return False
    return old.issued_at is None or new.issued_at > old.issued_at


def newest(config: TokenSet, candidates: Mapping[str, TokenSet]) -> tuple[str, TokenSet]:
    """The name and tokens of the newest set: ``"config"`` unless a candidate supersedes it."""
    name, chosen = "config", config
    for _ in range(len(candidates) + 1):  # a chain, so each pass can only move forward
        later = [(n, c) for n, c in candidates.items() if c is not chosen and supersedes(c, chosen)]
        if not later:
            break
        name, chosen = later[0]
    return name, chosen


def read_store(path: Path) -> tuple[t.Any, str | None]:
    """The store's JSON (None when absent) and a problem to report, if any."""
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except (FileNotFoundError, NotADirectoryError):
        return None, None  # none yet (a bad path is reported when the first save fails)
    except (OSError, ValueError) as exc:
        return None, type(exc).__name__


def write_private_json(path: Path, record: Mapping[str, t.Any]) -> None:
    """Replace a JSON file that holds secrets atomically: temp file, fsync, rename; 0600.

    The token store (its missing directory made 0700) and the ``--config`` file tokens go to.
    """
    if not path.parent.is_dir():
        path.parent.mkdir(mode=0o700, parents=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            json.dump(record, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


class TokenKeeper:
    """Chooses the newest tokens at start and saves every rotation where it will last.

    Args:
        grant: Whose tokens these are.
        store_path: The token store file (``oauth_token_store``).
        state: The tap's state dict when ``oauth_tokens_in_state`` is on, else None.
    """

    def __init__(
        self, grant: Grant, store_path: Path, state: MutableMapping[str, t.Any] | None
    ) -> None:
        self.grant = grant
        self.store_path = store_path
        self.state = state
        self._warned = False
        self._alarmed = False

    @classmethod
    def for_settings(
        cls, settings: Settings, token_url: str, state: MutableMapping[str, t.Any] | None
    ) -> TokenKeeper:
        """The keeper the settings ask for (``oauth_token_store``, ``oauth_tokens_in_state``)."""
        account, app_ref = settings.account, settings.app_ref
        setting = settings.oauth_token_store
        path = Path(setting).expanduser() if setting else default_store_path(account, app_ref)
        opted_in = settings.oauth_tokens_in_state and state is not None
        return cls(Grant(account, app_ref, token_url), path, state if opted_in else None)

    def newest(self, config: TokenSet) -> TokenSet:
        """The newest of the config's, the store's and (opt-in) the state's tokens."""
        candidates: dict[str, TokenSet] = {}
        raw, problem = read_store(self.store_path)
        if problem:
            logger.warning(
                "OAuth token store %s is unreadable (%s); ignoring it", self.store_path, problem
            )
        if (stored := TokenSet.from_record(raw, self.grant)) is not None:
            candidates[f"token store {self.store_path}"] = stored
        if self.state is not None:
            from_state = TokenSet.from_record(self.state.get(STATE_KEY), self.grant)
            if from_state is not None:
                candidates["state"] = from_state
        name, chosen = newest(config, candidates)
        same = (chosen.access_token, chosen.refresh_token) == (
            config.access_token,
            config.refresh_token,
        )  # e.g. just written by the login
        if name != "config":
            if not same:
                logger.info("OAuth tokens taken from the %s (the config's are older)", name)
        elif candidates and config.refresh_token:
            logger.info(
                "OAuth tokens taken from the config (a refresh token the %s has not "
                "seen: a new grant)",
                " and ".join(candidates),
            )
        if self.state is not None and chosen.refresh_token:
            self.state[STATE_KEY] = chosen.record(self.grant)
        return chosen

    def save(self, tokens: TokenSet, *, rotated: bool, config_saved: bool) -> None:
        """Keep ``tokens`` in the store (and the state); say loudly when nothing lasts."""
        record = tokens.record(self.grant)
        if self.state is not None:
            self.state[STATE_KEY] = record  # a new dict: the SDK compares and emits it
        try:
            write_private_json(self.store_path, record)
        except OSError as exc:
            self._report(type(exc).__name__, rotated=rotated, config_saved=config_saved)

    def _report(self, problem: str, *, rotated: bool, config_saved: bool) -> None:
        where = f"{self.store_path} ({problem})"
        if self.state is not None:
            if not self._warned:
                self._warned = True
                logger.warning(
                    "Could not write the OAuth token store %s; the rotated tokens "
                    "are kept in the state only (oauth_tokens_in_state)",
                    where,
                )
            return
        if not rotated or self._alarmed:
            return
        self._alarmed = True
        kept = (
            "only the --config file has it, and under Meltano that is a temporary file rebuilt "
            "every run, so the next run will fail with invalid_grant"
            if config_saved
            else "with no --config file to write it to, the next run will fail with invalid_grant"
        )
        logger.error(
            "The rotated OAuth refresh token was not saved: the token store %s is not writable "
            "and oauth_tokens_in_state is off; %s. Set oauth_token_store to a writable file, or "
            "oauth_tokens_in_state: true",
            where,
            kept,
        )
