"""Custom-field streams: typed value records taken from the parents, typed ``customFields`` columns.

``*_custom_field_values`` are children (see :mod:`tap_brightpearl.kinds.children`):
each parent batch hands its records over before they are emitted, so the values follow the
parent's incremental sync and cost no request for orders and products. Contacts have no bulk
source of values (the Contact GET takes no ``includeOptional``; the contact custom-field GET
takes one contact id), so with ``contact_custom_fields`` on, each synced contact costs one GET.
"""

from __future__ import annotations

import functools
import typing as t
from importlib import resources

from singer_sdk import SchemaDirectory

from tap_brightpearl import custom_fields as cf
from tap_brightpearl.compat import override
from tap_brightpearl.errors import NotFoundError, json_of
from tap_brightpearl.kinds import ChildStream
from tap_brightpearl.schemas import ConfiguredSchema
from tap_brightpearl.unfit import UNFIT

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context


def columns_wanted(stream: t.Any, entity: str) -> bool:
    """Whether the parent's SCHEMA declares its custom fields (contacts: only when read)."""
    settings = stream.settings
    if not settings.custom_field_columns:
        return False
    return entity != "contact" or settings.contact_custom_fields


class ColumnsSchema(ConfiguredSchema):
    """The parent's schema file; with ``custom_field_columns``, every defined field declared."""

    def get_stream_schema(self, stream: t.Any, stream_class: type[t.Any]) -> dict[str, t.Any]:
        """The schema of ``stream`` (the definitions read once per run, cached on it)."""
        schema = super().get_stream_schema(stream, stream_class)
        entity = stream_class.custom_field_entity
        if not columns_wanted(stream, entity):
            return schema
        cached = stream.__dict__.get("_columns_schema")
        if cached is None:
            fmt = stream.settings.decimal_format
            cached = cf.with_columns(schema, cf.definitions(stream, entity), fmt)
            stream.__dict__["_columns_schema"] = cached
        return cached


class CustomFieldsParent:
    """Mixin for orders, products and contacts: typed ``customFields`` when columns are wanted.

    Without ``custom_field_columns`` the record's ``customFields`` is kept exactly as
    Brightpearl sends it (a DATE stays local midnight with its offset: its day never moves).
    """

    custom_field_entity: t.ClassVar[str]
    schema: t.ClassVar[t.Any] = ColumnsSchema(
        SchemaDirectory(resources.files("tap_brightpearl.schemas"))
    )

    @property
    def effective_schema(self) -> dict:
        """The catalog's schema plus fields defined since it was made (a new column each)."""
        stream = t.cast("t.Any", self)
        base = super().effective_schema  # type: ignore[misc]
        if not columns_wanted(stream, self.custom_field_entity) or base is stream.schema:
            return t.cast("dict", base)
        if "_merged_schema" not in self.__dict__:
            fmt = stream.settings.decimal_format
            defs = cf.definitions(stream, self.custom_field_entity)
            self.__dict__["_merged_schema"] = cf.with_columns(base, defs, fmt)
        return t.cast("dict", self.__dict__["_merged_schema"])

    @property
    def stream_maps(self) -> list[t.Any]:
        """The SCHEMA's maps; a catalog made before a field was defined gets its column too.

        The tap's mapper builds them from the catalog (Meltano caches it between runs): the
        selected schema is registered again with the definitions read at sync start.
        """
        stream = t.cast("t.Any", self)
        if "_maps_merged" not in self.__dict__ and columns_wanted(stream, self.custom_field_entity):
            self.__dict__["_maps_merged"] = True
            mapper = cf.run_of(stream).mapper
            maps = mapper.stream_maps.get(stream.name) if mapper is not None else None
            if maps:
                raw = maps[0].raw_schema
                fmt = stream.settings.decimal_format
                merged = cf.with_columns(raw, cf.definitions(stream, self.custom_field_entity), fmt)
                if merged != raw:
                    mapper.register_raw_stream_schema(
                        stream.name, merged, maps[0].raw_key_properties
                    )
        return t.cast("list[t.Any]", super().stream_maps)  # type: ignore[misc]

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Each defined custom field in its typed column; a misfit set aside in ``UNFIT``.

        The column keeps its type: a value that does not fit it goes, as sent, to the record's
        ``_unfit_values`` under ``customFields.<code>`` (the value stream keeps it too).
        """
        stream = t.cast("t.Any", self)
        values = row.get("customFields")
        if isinstance(values, dict) and columns_wanted(stream, self.custom_field_entity):
            group = cf.definitions(stream, self.custom_field_entity).get(
                cf.group_of(self.custom_field_entity, row), {}
            )
            for code, value in list(values.items()):
                kind = (group.get(code) or {}).get("customFieldType")
                if value is None or kind is None:
                    continue  # undefined codes are schema drift, handled by the conformer
                try:
                    values[code] = cf.column_value(kind, value)
                except cf.Misfit:
                    place = f"customFields.{code}"
                    row.setdefault(UNFIT, {})[place] = values.pop(code)
                    cf.warnings_of(stream).misfit(
                        stream.name,
                        code,
                        kind,
                        value,
                        f"kept in {UNFIT}['{place}'] (the column keeps its type)",
                    )
        return t.cast("dict | None", super().post_process(row, context))  # type: ignore[misc]


class CustomFieldValuesStream(ChildStream):
    """One record per parent and custom field, typed from the definitions.

    A code listed in ``nullCustomFields`` (cleared) gives a record with every value column
    null, so an upserting target clears the old value. A misfit is kept in ``valueText`` as
    its JSON text and named once in a warning.
    """

    entity: t.ClassVar[str]
    path: str  # the definitions it reads (the values come from the parent's payload)
    parent_key: t.ClassVar[str]  # this stream's key naming the parent
    source_key: t.ClassVar[str] = "id"  # the parent's id field

    def nulls(self, record: dict[str, t.Any], group: dict[str, t.Any]) -> list[str]:  # noqa: ARG002
        """The parent's cleared codes."""
        return [str(c) for c in record.get("nullCustomFields") or ()]

    @override
    def take(self, record: dict[str, t.Any]) -> list[dict[str, t.Any]]:
        if not self.selected:
            return []
        group = cf.definitions(self, self.entity).get(cf.group_of(self.entity, record), {})
        values = record.get("customFields")
        return cf.value_records(
            self.parent_key,
            record.get(self.source_key),
            values=values if isinstance(values, dict) else None,
            nulls=self.nulls(record, group),
            group=group,
            on_misfit=self._misfit,
        )

    def _misfit(self, code: str, kind: str | None, value: t.Any) -> None:
        cf.warnings_of(self).misfit(self.name, code, kind, value, "kept in valueText as JSON text")


class ContactCustomFieldsReader(CustomFieldValuesStream):
    """Contacts: each contact's fields by the contact custom-field GET (opt-in, one per contact).

    The answer holds the codes with a value; the other codes defined for the contact's kind
    (customer or supplier) are cleared, and give null records.
    """

    path = "contact-service/contact/{id}/custom-field"

    @property  # the SDK declares a class attribute; here it follows the setting
    def selected_by_default(self) -> bool:  # type: ignore[override]
        """Selected without a catalog only when its values are to be read."""
        return self.wanted

    @functools.cached_property
    def wanted(self) -> bool:
        """``contact_custom_fields`` is on."""
        return self.settings.contact_custom_fields

    @override
    def collect(self, records: Iterable[dict[str, t.Any]]) -> None:
        records = list(records)
        if self.wanted:
            for record in records:
                record["customFields"] = self.read(record.get(self.source_key))
        super().collect(records)

    def read(self, contact_id: t.Any) -> dict[str, t.Any] | None:
        """One contact's custom fields (None when the contact is gone)."""
        if contact_id is None:
            return None
        try:
            body = json_of(self.fetch(f"contact-service/contact/{contact_id}/custom-field"))
        except NotFoundError:
            return None
        values = body.get("response")
        return values if isinstance(values, dict) else {}

    @override
    def nulls(self, record: dict[str, t.Any], group: dict[str, t.Any]) -> list[str]:
        values = record.get("customFields")
        if not self.wanted or not isinstance(values, dict):
            return []
        return [code for code in group if values.get(code) is None]

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        if not self.wanted and not self.__dict__.get("_told"):
            self.__dict__["_told"] = True
            cf.logger.warning(
                "%s: no values read: set contact_custom_fields=true to read them "
                "(one request per contact)",
                self.name,
            )
        return super().get_records(context)
