"""A local Brightpearl API server with seeded data (standard library only).

Start one in-process with ``Sandbox(...).start()`` or from the shell with
``brightpearl-sandbox --port 8734``. Layout: server.py (the Python API), pipeline.py (what a
request passes through: throttle.py, faults.py, auth.py, mutate.py), routes.py (the route
table), api.py (endpoint kinds), columns.py and shapes*.py (what the answers look like),
data.py and generate*.py (the seeded records), truth.py (ground truth). It serves
``/public-api/{account}/{service}-service/...`` for every stream of the tap's contract, plus
``POST /token/{account}`` (OAuth code and refresh grants) and ``GET /authorize/{account}``.

Behaviour a client author must know (where brightpearl-api.md is silent we pick the harsher
reading, so a client that copes here copes with the real API):

* Search PERIOD filters ``from/to``: both bounds inclusive, compared at second precision
  (bounds with milliseconds are truncated to the second; search rows show ``.000``). Either
  side may be empty; ``/`` raw or ``%2F``; ``Z``, ``+hh:mm``, ``+hhmm`` or no zone (read as
  UTC); a date alone means midnight UTC. An unencoded ``+`` arrives as a space and is rejected.
  A null cell never matches a filter (also where a column shows an unset value as "" or 0,
  ``columns.SEARCH_BLANKS``, as the evidence does). Unparseable values, and ``x/`` ranges on
  IDSET or INTEGER columns, get HTTP 500 ``CMNC-018`` "The filter c=v cannot be parsed as: TYPE".
  ``countOnly=true`` returns the counts without rows.
  Unknown query parameters are ignored; unknown ``columns``/``sort`` names and ``pageSize``
  outside 1..500 get HTTP 400. Sorting puts nulls first in ascending order; ties keep key order.
* OAuth bearer calls must also carry ``brightpearl-app-ref`` (the app reference = client id);
  ``brightpearl-dev-ref`` is accepted and not checked.
* OAuth sign-in (auth.py), on the sandbox's own host at Brightpearl's paths:
  ``GET /authorize/{account}?response_type=code&client_id=&redirect_uri=&state=`` approves at
  once: 302 to ``redirect_uri`` (its own query kept) with ``code`` and the same ``state``;
  knob ``authorize_deny`` redirects with ``error=access_denied`` and the state instead; another
  ``response_type`` redirects with ``error=unsupported_response_type``. A wrong client id,
  account, or a ``redirect_uri`` not http(s) or not in the knob ``redirect_uris`` (None: any)
  gets a 400 JSON ``error`` and no redirect (assumed: Brightpearl's page is not recorded).
  ``POST /token/{account}`` with ``grant_type=authorization_code``, ``code``, ``client_id``,
  ``redirect_uri`` (and ``client_secret`` when the knob sets one) answers like the recorded
  grant: ``access_token``, ``refresh_token``, ``installation_instance_id`` (a string, knob,
  default "13"), ``api_domain`` (the sandbox's host:port), ``token_type`` Bearer,
  ``expires_in`` (knob ``token_lifetime``). Errors, HTTP 400: ``{"error":"invalid_client"}``;
  ``invalid_grant`` "The auth token has either expired or does not exist" for a used, unknown
  or expired code (knob ``code_lifetime``, 600 s); ``invalid_grant`` "Redirect uri does not match
  that used to request auth token". Codes are single-use: any exchange past the client check
  consumes the code, a failed one too (the harsher reading). Counted as ``authorize`` and
  ``token``; ``codes_exchanged``.
* Unknown account code: 401 ``{"response":"Not authenticated. You must provide a valid
  authentication token."}`` (the credentials are not valid for that account); it still
  consumes that account's throttle window.
* GET-by-ID-set: at most 200 ids per request (500 for goods-out notes), counted after
  expanding ranges; over it: 400 ``CMNC-029``. URL over 8 KB: 414 (HTML body). Elements come
  in a seeded arbitrary order. Orders: missing ids dropped, none found -> 200 ``[]``.
  Contacts and product prices: 404 ``CMNC-404`` when ANY requested id is missing. Products,
  postal addresses, goods-out and goods-in notes: missing dropped, 404 ``CMNC-404`` when none.
  Product availability: non-stock-tracked ids ignored, a non-existent id -> 400 ``WHSC-004``
  for the whole request, no ids -> 400 ``WHSC-020``.
* Throttle: a rolling window per account (default 200 per 60 s). Every API answer carries
  ``brightpearl-requests-remaining`` (left after this request) and
  ``brightpearl-next-throttle-period`` (ms until the oldest request leaves the window). 401s
  and injected faults consume quota; a throttled 503 does not. The token endpoint is not
  throttled.
* Mutation mode: see ``mutate.py`` (which records are picked, with what weights).
* Deletions (deletes.py): ``sb.delete(stream, ids)`` or ``sb.delete(stream, count=N)``
  between or during runs; the knob ``delete_during_run={stream: N}`` deletes N records while
  a client syncs, one every ``delete_every`` API requests (CLI ``--delete-during-run
  orders=5 --delete-every 10``); ``sb.deleted(stream)`` is the ground truth (every deleted id,
  the mutation mode's included). Deletable: orders, products, contacts, goods_out_notes,
  goods_in_batches, customer_payments, supplier_payments, order_notes, goods_movements,
  journal_rows. A deleted record leaves searches, OPTIONS getUris and GETs as missing ids do
  (below); ids are never reused.
* OPTIONS ``order-service/order``, ``product-service/product``, ``product-service/product-price``
  and ``contact-service/contact``, with or without an ID set: ``{"response": {"getUris":
  ["/order/1001-1203,1206", ...]}}``, URIs relative to the service, 200 existing ids each,
  counted as ``OPTIONS order`` etc.
* Unknown paths: 404 ``GWY-404`` (never ``CMNC-404``, so a wrong URL is not read as "no
  rows"). ``GET {search}/meta-data`` returns the columns and default sorting.
* Injected faults (``fault_500`` CMNU-003 body, ``fault_503`` outage without the throttle
  text, ``fault_drop`` connection closed, ``fault_malformed`` truncated 200) are drawn from a
  seeded RNG after the throttle admitted the request (so they consume quota); the token
  endpoint gets no faults.
* Faults by path, after authentication (faults.py): ``refuse={"accounting-service": 403}``
  (any path prefix of whole segments; CLI ``--refuse accounting-service[=403]``) answers as for
  a staff member without permission: HTTP 403 ``{"errors":[{"code":"GWY-403","message":...}]}``,
  an ASSUMPTION (no recording shows Brightpearl's answer). ``fail_paths={"product-service/
  product-price": 500}`` (CLI ``--fail-paths PREFIX[=5xx]``) answers that 5xx every time (500
  CMNU-003, 503 the outage text). The longest prefix wins. Counted under the endpoint's name and
  in ``refused`` / ``path_failures``; they consume quota.
* Counters: ``requests`` is keyed by endpoint name: the search resource (``order-search``),
  the GET resource (``order``, ``product-price``, ``goods-out-note``, ``order-status``,
  ``sale/custom-field-meta-data`` ...), ``OPTIONS order``, ``token``; ``requests_total``
  counts every API request received, throttled ones included.
* Default sizes: orders 5000, products 800, contacts 1500, supplier payments 520 (times
  ``scale``); everything else is derived from them (notes, goods notes, movements, journals,
  payments) or fixed (reference tables). Ids have gaps; some order, contact, product and
  goods-movement ids are above 2^31.
* Shapes follow the evidence catalogue (tests/evidence, checked by
  tests/test_evidence_sandbox.py): field names, JSON types and nesting as Brightpearl sends
  them, values our own. Where sources disagree (docs vs recording, API versions), records
  alternate between the variants, so a full sync meets every one: e.g. contacts with
  ``contactTags`` a comma-separated string and ``createdByid``; orders with ``version``,
  ``state``, ``tax``, ``originalInvoiceDate`` in the record's display offset, rows with
  ``clonedFromId``; order types and stock statuses half with ``name``, half with
  ``code``/``description``. Fields Brightpearl leaves out when null are left out (order
  ``closedOn``, goods-out status times, empty address lines); searches carry
  ``isFreeTextSearchable`` and a top-level ``reference`` only where the evidence shows them.
  Contact ID-set answers carry ``pagination`` and ``sorting`` as recorded.
* INVENTED drift fields (not Brightpearl's; in no schema and no evidence), so that every full
  sync exercises the tap's schema widening; listed in ``drift.DRIFT_FIELDS``, off with
  ``Sandbox(drift_fields=False)`` / ``--no-drift-fields``:
  orders ``loyaltyPoints`` (integer), contacts ``loyalty`` (object {tier, points,
  enrolledOn}, enrolledOn a timestamp with an offset), products ``lastStocktakeOn`` (a
  timestamp with an offset: -06:00 or +01:00), brand-search column ``brandCode``
  (STRING), warehouses ``dockDoors`` (integer).
* INVENTED surprises, off by default: the knob ``surprises`` (a list of ``drift.Surprise``)
  serves a value of another type in chosen records of a GET answer, e.g. a string where
  orders send an integer ``version``.
* Freshly created orders show ``updatedOn: null`` in order-search (GET shows updatedOn =
  createdOn); a ``createdOn`` filter finds them. supplier-payment-search reports
  ``resultsAvailable: 500`` whatever the count and ignores ``paymentId`` filters.
"""

from .server import KNOB_DEFAULTS, Sandbox

__all__ = ["KNOB_DEFAULTS", "Sandbox"]
