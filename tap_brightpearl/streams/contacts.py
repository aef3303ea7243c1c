"""contact-service streams."""

from __future__ import annotations

import typing as t

from tap_brightpearl import sweeps
from tap_brightpearl.kinds import (
    ChildStream,
    DetailStream,
    IdSetFetcher,
    ReferenceStream,
    SearchStream,
)
from tap_brightpearl.streams.custom_fields import ContactCustomFieldsReader, CustomFieldsParent


class ContactsStream(CustomFieldsParent, DetailStream):
    """Contacts; ``postal_addresses`` fetches the addresses they reference."""

    name = "contacts"
    path = "contact-service/contact-search"
    detail_path = "contact-service/contact/{ids}"
    primary_keys = ("contactId",)
    replication_key = "updatedOn"
    changed_key = "updatedOn"
    delete_sweep = sweeps.Options("contact-service/contact")
    custom_field_entity = "contact"


class PostalAddressesStream(ChildStream):
    """The addresses the synced contacts reference, by batched GETs (each address once)."""

    name = "postal_addresses"
    path = "contact-service/postal-address/{ids}"
    primary_keys = ("addressId",)
    parent_stream_type = ContactsStream

    def __init__(self, tap: t.Any) -> None:
        super().__init__(tap)
        self.seen: set[int] = set()
        self.fetcher = IdSetFetcher(self, self.path)

    def take(self, record: dict[str, t.Any]) -> t.Iterable[t.Any]:
        """The contact's address ids (``postAddressIds``: DEF, BIL, DEL)."""
        return (record.get("postAddressIds") or {}).values()

    def records_for(self, items: list[t.Any]) -> t.Iterator[dict]:
        """GET the not-yet-seen address ids in chunks of ``id_batch_size``."""
        ids = sorted({int(i) for i in items if i} - self.seen)
        self.seen.update(ids)
        for chunk in self.fetcher.chunks(ids):
            for payload in self.fetcher.get(chunk):
                yield from payload or []


class CompaniesStream(SearchStream):
    """Companies (search ``company-search``), full table."""

    name = "companies"
    path = "contact-service/company-search"
    primary_keys = ("companyId",)


class ContactGroupsStream(SearchStream):
    """Contact groups (search ``contact-group-search``), full table."""

    name = "contact_groups"
    path = "contact-service/contact-group-search"
    primary_keys = ("contactGroupId",)


class ContactGroupMembersStream(SearchStream):
    """Contact group members (search ``contact-group-member-search``), full table."""

    name = "contact_group_members"
    path = "contact-service/contact-group-member-search"
    primary_keys = ("contactGroupId", "contactId")


class LeadSourcesStream(ReferenceStream):
    """Lead sources (GET ``lead-source``), full table."""

    name = "lead_sources"
    path = "contact-service/lead-source"
    primary_keys = ("id",)


class ContactTagsStream(ReferenceStream):
    """Contact tags (GET ``tag``), full table."""

    name = "contact_tags"
    path = "contact-service/tag"
    primary_keys = ("tagId",)


class ContactCustomFieldValuesStream(ContactCustomFieldsReader):
    """One record per contact and custom field (opt-in: one GET per contact, see README)."""

    name = "contact_custom_field_values"
    primary_keys = ("contactId", "code")
    parent_stream_type = ContactsStream
    entity = "contact"
    parent_key = "contactId"
    source_key = "contactId"


class ContactCustomFieldMetadataStream(ReferenceStream):
    """Customer and supplier custom-field definitions; the partition adds ``contactType``."""

    name = "contact_custom_field_metadata"
    path = "contact-service/{contactType}/custom-field-meta-data"
    primary_keys = ("contactType", "id")
    partitions: t.ClassVar[list[dict]] = [{"contactType": "customer"}, {"contactType": "supplier"}]
    id_maps: t.ClassVar[dict[str, tuple[str, str]]] = {"options": ("id", "value")}


STREAMS = (
    ContactsStream,
    ContactCustomFieldValuesStream,
    PostalAddressesStream,
    CompaniesStream,
    ContactGroupsStream,
    ContactGroupMembersStream,
    LeadSourcesStream,
    ContactTagsStream,
    ContactCustomFieldMetadataStream,
)
