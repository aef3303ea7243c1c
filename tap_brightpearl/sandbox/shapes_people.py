"""Contact-service shapes: people, addresses, order parties, contact GET and search rows."""

from __future__ import annotations

from typing import Any

from . import drift
from .columns import ROW
from .data import CITIES, FIRST, LAST, STREETS, Store, secs, ts

STATUS_NAMES = {1: "Prospect", 2: "Lead", 3: "Active customer"}
CONTACT_ROW = ROW["contact-service/contact-search"]
REGIONS = ("Greater London", "Texas", "Île-de-France", "Małopolskie")


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
        **({} if aid % 3 else {"addressLine2": "Flat 2"}),
        "addressLine3": city,
        **({} if aid % 4 else {"addressLine4": REGIONS[aid % len(REGIONS)]}),
        "postalCode": f"{aid % 90000 + 10000}",
        "countryId": country_id,
        "countryIsoCode": iso3,
        "countryIsoCode2": iso2,
    }


def party(store: Store, cid: int, kind: str) -> dict[str, Any]:
    """An order party (customer/supplier, delivery, billing) from the contact's address.

    As recorded: empty texts are ``""``; the delivery party has no contactId; a supplier
    party has countryId 0 and then no country names.
    """
    first, last = person(cid)
    c = store.contacts.get(cid)
    aid = (c["addr"]["DEL" if kind == "delivery" else "BIL"]) if c else cid * 3
    a = store.addresses.get(aid) or address(aid, cid)
    out: dict[str, Any] = {} if kind == "delivery" else {"contactId": cid}
    out.update(
        {
            "addressFullName": f"{first} {last}",
            "companyName": "" if cid % 4 else "Acme Ltd",
            "addressLine1": a.get("addressLine1", ""),
            "addressLine2": a.get("addressLine2", ""),
            "addressLine3": a.get("addressLine3", ""),
            "addressLine4": a.get("addressLine4", ""),
            "postalCode": a["postalCode"],
            "country": a.get("addressLine3", ""),
            "telephone": f"+44 20 7946 {cid % 10000:04d}",
            "mobileTelephone": "" if cid % 2 else "+44 7700 900123",
            "fax": "" if cid % 5 else f"+44 20 7946 {(cid + 1) % 10000:04d}",
            "email": email(cid),
            "countryId": a["countryId"],
            "countryIsoCode": a["countryIsoCode2"],
            "countryIsoCode3": a["countryIsoCode"],
        }
    )
    if kind == "supplier":
        del out["country"], out["countryIsoCode"], out["countryIsoCode3"]
        out["countryId"] = 0
    return out


def parties(store: Store, cid: int, purchase: bool) -> dict[str, Any]:
    """The parties block of an order."""
    kind = "supplier" if purchase else "customer"
    return {
        kind: party(store, cid, kind),
        "delivery": party(store, cid, "delivery"),
        "billing": party(store, cid, "billing"),
    }


def contact_row(c: dict[str, Any]) -> Any:
    """The contact-search row of a contact."""
    cid = c["id"]
    first, last = person(cid)
    company = c["companyName"]
    return CONTACT_ROW(
        contactId=cid,
        primaryEmail=email(cid),
        secondaryEmail=None if cid % 3 else f"alt{cid}@example.org",
        tertiaryEmail=None if cid % 5 else f"third{cid}@example.net",
        firstName=first,
        lastName=last,
        isSupplier=c["supplier"],
        companyName=company,
        isStaff=c["staff"],
        isCustomer=c["customer"],
        createdOn=secs(c["created"]),
        updatedOn=secs(c["updated"]),
        lastContactedOn=secs(c["lastContacted"]),
        lastOrderedOn=secs(c["lastOrdered"]),
        nominalCode=int(c["nominal"]),
        isPrimary=True,
        pri=f"+44 20 7946 {cid % 10000:04d}",
        sec=None if cid % 4 else f"+44 161 496 {cid % 10000:04d}",
        mob=None if cid % 2 else "+44 7700 900123",
        exactCompanyName=company,
        title=c["title"],
        off=c["off"],
    )


def render_contact(store: Store, c: dict[str, Any], variant: int) -> dict[str, Any]:
    """Full contact GET object, as recorded (tests/evidence/contacts/).

    contactTags a comma-separated string of tag ids, financialDetails.nominalCode a string,
    creditLimit an integer, discountPercentage a JSON number, the creator ``createdByid``;
    the optional communication codes, status history, assignment and organisation parts are
    spread over the contacts so that every evidenced variant occurs.
    """
    cid = c["id"]
    off = c["off"]
    first, last = person(cid)
    tel = f"+44 20 7946 {cid % 10000:04d}"
    emails: dict[str, Any] = {"PRI": {"email": email(cid)}}
    if cid % 3 == 0:
        emails["SEC"] = {"email": f"alt{cid}@example.org"}
    if cid % 5 == 0:
        emails["TER"] = {"email": f"third{cid}@example.net"}
    phones = {"PRI": tel}
    if cid % 4 == 0:
        phones["SEC"] = f"+44 161 496 {cid % 10000:04d}"
    if cid % 2 == 0:
        phones["MOB"] = "+44 7700 900123"
    if cid % 7 == 0:
        phones["FAX"] = f"+44 20 7946 {(cid + 1) % 10000:04d}"
    status: dict[str, Any] = {"current": {"contactStatusId": 1 + cid % 3}}
    if cid % 4 == 1:
        status["current"]["contactStatusName"] = STATUS_NAMES[1 + cid % 3]
        status["history"] = [
            {
                "contactStatusName": STATUS_NAMES[k],
                "contactStatusId": k,
                "occuredOn": ts(c["created"] + k * 86_400_000, off),
                "staffContactId": c["owner"],
            }
            for k in range(1, 2 + cid % 3)
        ]
    current: dict[str, Any] = {}
    if cid % 5:
        current["staffOwnerContactId"] = c["owner"]
        if c["lead"] is not None:
            current["leadSourceId"] = c["lead"]
        if cid % 3 == 0:
            current["accountReference"] = f"ACC{cid:06d}"
    organisation: dict[str, Any] = {"organisationId": c["companyId"] or cid}
    if c["companyName"]:
        organisation["name"] = c["companyName"]
    out: dict[str, Any] = {
        "contactId": cid,
        "isPrimaryContact": True,
        "salutation": c["title"] or "",
        "firstName": first,
        "lastName": last,
        "postAddressIds": dict(c["addr"]),
        "communication": {
            "emails": emails,
            "telephones": phones,
            "messagingVoips": {} if cid % 6 else {"SKP": f"contact.{cid}"},
            "websites": {} if cid % 5 else {"PRI": f"https://shop{cid}.example.com"},
        },
        "contactStatus": status,
        "relationshipToAccount": {"isSupplier": c["supplier"], "isStaff": c["staff"]},
        "marketingDetails": {"isReceiveEmailNewsletter": cid % 2 == 0},
        "financialDetails": {
            "priceListId": c["priceList"],
            "nominalCode": c["nominal"],
            "taxCodeId": 1,
            "creditLimit": c["credit"] // 100,
            "creditTermDays": 30,
            "currencyId": 1,
            "discountPercentage": (cid % 4) * 2.5,
            "creditTermTypeId": 1 + cid % 2,
        },
        "assignment": {"current": current},
        "organisation": organisation,
        "tradeStatus": "TRADE" if c["companyId"] else "RETAIL",
        "createdByid": c["owner"],
        "createdOn": ts(c["created"], off),
        "updatedOn": ts(c["updated"], off),
        "contactTags": ",".join(map(str, c["tags"])),
        "aliases": {},
        "companyId": c["companyId"] or 0,
    }
    if store.drift:
        out["loyalty"] = drift.loyalty(cid, c["created"], off)
    return out
