
"""Contact-service shapes: people, addresses, order parties, contact GET and search rows."""

from __future__ import annotations

from typing import Any

from .data import CITIES, FIRST, LAST, STREETS, Store, money, secs, ts


def person(cid: int) -> tuple[str, str]:
    """First and last name of a contact id."""
    return FIRST[cid % len(FIRST)], LAST[(cid // 7) % len(LAST)]


def email(cid: int) -> str:
    """Primary e-mail of a contact id (ASCII local part, unicode-free)."""
    return f"contact{cid}@example.com"


def address(aid: int, cid: int) -> dict[str, Any]:
    """A postal address record as postal-address GET returns it."""
    city, iso2, iso3, country_id = CITIES[aid % len(CITIES)]
    return {
        "addressId": aid,
        "contactId": cid,
        "addressLine1": f"{aid % 300 + 1} {STREETS[aid % len(STREETS)]}",
        "addressLine2": None if aid % 3 else "Flat 2",
        "addressLine3": city,
        "addressLine4": None,
        "postalCode": f"{aid % 90000 + 10000}",
        "countryId": country_id,
        "countryIsoCode": iso3,
        "countryIsoCode2": iso2,
    }


def party(store: Store, cid: int, kind: str) -> dict[str, Any]:
    """An order party (customer/supplier, delivery, billing) from the contact's address."""
    first, last = person(cid)
    c = store.contacts.get(cid)
    aid = (c["addr"]["DEL" if kind == "delivery" else "BIL"]) if c else cid * 3
    a = store.addresses.get(aid) or address(aid, cid)
    return {
        "contactId": cid,
        "addressFullName": f"{first} {last}",
        "companyName": None if cid % 4 else "Acme Ltd",
        "addressLine1": a["addressLine1"],
        "addressLine2": a["addressLine2"],
        "addressLine3": a["addressLine3"],
        "addressLine4": a["addressLine4"],
        "postalCode": a["postalCode"],
        "country": a["addressLine3"],
        "telephone": f"+44 20 7946 {cid % 10000:04d}",
        "mobileTelephone": None,
        "email": email(cid),
        "countryId": a["countryId"],
        "countryIsoCode": a["countryIsoCode2"],
        "countryIsoCode3": a["countryIsoCode"],
    }



def parties(store: Store, cid: int, purchase: bool) -> dict[str, Any]:
    """The parties block of an order."""
    billing = party(store, cid, "billing")
    return {("supplier" if purchase else "customer"): billing,
            "delivery": party(store, cid, "delivery"), "billing": billing}


def contact_row(c: dict[str, Any]) -> tuple[Any, ...]:
    """The contact-search row of a contact."""
    cid = c["id"]
    first, last = person(cid)
    company = c["companyName"]
    return (
        cid, email(cid), None if cid % 3 else f"alt{cid}@example.org",
        None if cid % 5 else f"third{cid}@example.net", first, last,
        c["supplier"], company, c["staff"], c["customer"], secs(c["created"]),
        secs(c["updated"]), secs(c["lastContacted"]), secs(c["lastOrdered"]), int(c["nominal"]),
        True, f"+44 20 7946 {cid % 10000:04d}",
        None if cid % 4 else f"+44 161 496 {cid % 10000:04d}",
        None if cid % 2 else "+44 7700 900123",
        company, c["title"], c["off"],
    )


def render_contact(store: Store, c: dict[str, Any], variant: int) -> dict[str, Any]:
    """Full contact GET object."""
    cid = c["id"]
    off = c["off"]
    first, last = person(cid)
    tags = store.ref["contact-service/tag"]
    return {
        "contactId": cid,
        "isPrimaryContact": True,
        "salutation": c["title"],
        "firstName": first,
        "lastName": last,
        "postAddressIds": dict(c["addr"]),
        "communication": {
            "emails": {"PRI": {"email": email(cid)},
                       **({} if cid % 3 else {"SEC": {"email": f"alt{cid}@example.org"}})},
            "telephones": {"PRI": f"+44 20 7946 {cid % 10000:04d}",
                           **({} if cid % 2 else {"MOB": "+44 7700 900123"})},
            "messagingVoips": {},
            "websites": {} if cid % 5 else {"PRI": f"https://shop{cid}.example.com"},
        },
        "contactStatus": {"current": {"contactStatusId": 1, "contactStatusName": "Active"},
                          "history": []},
        "relationshipToAccount": {"isSupplier": c["supplier"], "isStaff": c["staff"]},
        "marketingDetails": {"isReceiveEmailNewsletter": cid % 2 == 0},
        "financialDetails": {
            "priceListId": c["priceList"], "nominalCode": int(c["nominal"]), "taxCodeId": 1,
            "creditLimit": money(c["credit"]), "creditTermDays": 30, "currencyId": 1,
            "discountPercentage": "0.00", "taxNumber": None,
        },
        "assignment": {"current": {"staffOwnerContactId": c["owner"], "projectId": 0,
                                   "leadSourceId": c["lead"], "teamId": 0}},
        "organisation": None if c["companyId"] is None else {
            "organisationId": c["companyId"], "name": c["companyName"], "jobTitle": None},
        "tradeStatus": "TRADE" if c["companyId"] else "RETAIL",
        "createdOn": ts(c["created"], off),
        "createdById": c["owner"],
        "updatedOn": ts(c["updated"], off),
        "updatedById": c["owner"],
        "lastContactedOn": ts(c["lastContacted"], off),
        "lastOrderedOn": ts(c["lastOrdered"], off),
        "contactTags": [{"tagId": t, "tagName": tags[str(t)]["tagName"]} for t in c["tags"]],
        "companyId": c["companyId"],
    }


