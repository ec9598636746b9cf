"""Open311 GeoReport v2 at /open311/v2/, in XML and JSON. 公众监督 Open311 接口

The core v2 (discovery, services, service definitions, requests, tokens) plus the extensions
most clients know: ``page``/``page_size``, ``updated_after``/``updated_before`` and ``media``
uploads (v2.1 draft), ``extensions=true`` (notes and photos), and mySociety's
``servicerequestupdates`` feed with its extended statuses. docs/api.md describes the contract.

Reading needs no key and returns only what public.py lets the public see: never the reporter's
contact, never a person's name, never an internal comment. Posting needs an API key (see
admin.py) and goes through services.complaint_submit, like the web form.

Every answer is a document in the format of the URL's suffix; errors too, as the spec's
``<errors>`` list (several at once when several parameters are wrong). An unknown suffix gets a
404 error document in XML, the format every Open311 client must read.

The modules, each using only those before it:

- ``catalogue`` — the services, their definitions, what discovery announces;
- ``params`` — reading a request: parameters, search filters, the API key, a posted report, and
  ``Open311Error`` for whatever is wrong;
- ``render`` — the XML and JSON documents and what they say of each object;
- ``views`` — the endpoints (open311_urls.py routes to them).
"""
