#!/usr/bin/env python3
"""test_api.py -- black-box tests of livecomply's registry HTTP API.

Usage: python3 test_api.py PATH_TO_livecomply

Starts `livecomply serve` on a free loopback port with a fresh data dir and
checks, through HTTP only:
  * health, metrics, SIGTERM -> exit 0
  * the happy path of every registry endpoint (agencies, operators, operator
    and host verifications, hosts, trainings, rooms, blacklist), PATCH, and
    cursor pagination
  * masking of personal data by default; ?reveal=true only for admin
  * bad input -> the documented status AND error.code (AND error.field):
    malformed JSON, invalid UTF-8, wrong types, unknown / missing fields, an
    oversized body, bad checksums, under-16, 16-17 without guardian consent,
    bad timestamps/enums, unknown references, unknown routes and methods
  * authentication (401) and authorisation (403): roles and agency scope
  * the server never answers 5xx and is still healthy after all of that
  * no personal data and no bearer/hook token ends up in DIR/log/*.jsonl
Prints one line per check and finally `N passed, M failed`; exits non-zero
on any failure.  LC_E2E_KEEP=1 keeps the temp dir for inspection.
"""

import datetime as dt
import os
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lchelp as L  # noqa: E402

C = L.Checker()
SERVER_ERRORS = []  # (method, path, status, body) of every 5xx / no-response


class S(L.Server):
    """Server whose every request is screened for 5xx and dropped connections."""

    def req(self, method, path, body=None, token=None, **kw):
        r = L.http(self.port, method, path, body=body, token=token, **kw)
        if r[0] == 0 or r[0] >= 500:
            SERVER_ERRORS.append((method, path, r[0], r[3][:300]))
        return r


def expect_error(srv, name, resp, status, code, field=None):
    """Asserts status, error.code and (if given) error.field in one check."""
    ok = resp[0] == status and L.err_code(resp) == code
    if field is not None:
        ok = ok and L.err_field(resp) == field
    want = "%d %s" % (status, code) + (" field=%s" % field if field else "")
    C.check(name, ok, "want %s, got %s" % (want, L.describe(resp)))


def still_alive(srv, after):
    C.check("server still healthy after %s" % after, srv.alive(),
            "healthz failed; stderr tail:\n" + srv.stderr_tail(800))


# --------------------------------------------------------------------------


def t_health(srv):
    r = srv.req("GET", "/healthz")
    C.check("GET /healthz -> 200 {status: ok} without a token",
            r[0] == 200 and isinstance(r[1], dict) and r[1].get("status") == "ok", L.describe(r))
    r = srv.req("GET", "/metrics")
    body = r[3].decode("utf-8", "replace")
    C.check("GET /metrics -> 200 Prometheus text without a token",
            r[0] == 200 and ("# TYPE" in body or "# HELP" in body), L.describe(r))


def t_agencies(srv, tk, seed):
    admin = tk["admin"]
    cc = L.make_credit_code()
    r = srv.req("POST", "/v1/agencies", {"name": "星光传媒", "credit_code": cc}, admin)
    ok = r[0] == 201 and isinstance(r[1], dict) and r[1].get("id")
    C.check("POST /v1/agencies -> 201 with id", ok, L.describe(r))
    if not ok:
        return None
    ag = r[1]
    C.check("created agency echoes name and credit_code",
            ag.get("name") == "星光传媒" and ag.get("credit_code") == cc, L.describe(r))
    for f in ("created_at",):
        if f in ag:
            C.check("agency %s is RFC 3339 UTC" % f, is_rfc3339_utc(ag[f]), ag[f])
    r = srv.req("GET", "/v1/agencies/%s" % ag["id"], token=admin)
    C.check("GET /v1/agencies/{id} -> 200 same object",
            r[0] == 200 and r[1].get("id") == ag["id"] and r[1].get("credit_code") == cc, L.describe(r))
    r = srv.req("PATCH", "/v1/agencies/%s" % ag["id"], {"name": "星光传媒二"}, admin)
    C.check("PATCH /v1/agencies/{id} name -> 200", r[0] == 200, L.describe(r))
    r = srv.req("GET", "/v1/agencies/%s" % ag["id"], token=admin)
    C.check("PATCH is persisted (GET shows new name)",
            r[0] == 200 and r[1].get("name") == "星光传媒二", L.describe(r))
    r = srv.req("PATCH", "/v1/agencies/%s" % ag["id"], {"bogus": 1}, admin)
    expect_error(srv, "PATCH agency with unknown field -> 400 unknown_field", r, 400, "unknown_field", "bogus")
    r = srv.req("PATCH", "/v1/agencies/%s" % ag["id"], {"name": 5}, admin)
    expect_error(srv, "PATCH agency with name as number -> 400 wrong_type", r, 400, "wrong_type", "name")

    # list + pagination over 3 more agencies
    ids = {ag["id"]}
    for _ in range(3):
        ids.add(seed.agency()["id"])
    r = srv.req("GET", "/v1/agencies", token=admin)
    ok = r[0] == 200 and isinstance(r[1], dict) and isinstance(r[1].get("items"), list) \
        and "next_cursor" in r[1]
    C.check("GET /v1/agencies -> 200 {items, next_cursor}", ok, L.describe(r))
    r = srv.req("GET", "/v1/agencies?limit=2", token=admin)
    C.check("GET /v1/agencies?limit=2 -> 2 items and a string next_cursor",
            r[0] == 200 and len(r[1].get("items", [])) == 2 and isinstance(r[1].get("next_cursor"), str),
            L.describe(r))
    items, err = L.list_all(srv, "/v1/agencies", admin, limit=2)
    got = [i.get("id") for i in items]
    C.check("paging with limit=2 visits every agency exactly once, ends with next_cursor null",
            err is None and ids <= set(got) and len(got) == len(set(got)),
            "err=%s ids=%s got=%s" % (err and L.describe(err), sorted(ids), got))
    r = srv.req("GET", "/v1/agencies?limit=abc", token=admin)
    C.check("GET /v1/agencies?limit=abc -> 4xx (not 5xx)", 400 <= r[0] < 500, L.describe(r))
    r = srv.req("GET", "/v1/agencies?cursor=%%%%garbage", token=admin)
    C.check("GET /v1/agencies?cursor=garbage -> 4xx or empty 200 (not 5xx)",
            0 < r[0] < 500, L.describe(r))
    r = srv.req("GET", "/v1/agencies/does-not-exist", token=admin)
    expect_error(srv, "GET /v1/agencies/{unknown} -> 404 not_found", r, 404, "not_found")
    return ag


def t_operators(srv, tk, seed):
    admin = tk["admin"]
    cc = L.make_credit_code()
    r = srv.req("POST", "/v1/operators", {"name": "优选直播间", "credit_code": cc}, admin)
    ok = r[0] == 201 and r[1].get("id")
    C.check("POST /v1/operators (company, credit_code) -> 201 with id", ok, L.describe(r))
    op_id = r[1].get("id") if ok else None
    idn = L.make_id_number(L.adult_birth())
    r = srv.req("POST", "/v1/operators", {"name": L.make_name(), "id_number": idn}, admin)
    C.check("POST /v1/operators (individual, id_number) -> 201 with id",
            r[0] == 201 and r[1].get("id"), L.describe(r))
    if r[0] == 201:
        C.check("individual operator's id_number is masked in the 201 response",
                idn not in r[3].decode("utf-8", "replace"), L.describe(r))
    r = srv.req("POST", "/v1/operators", {"name": "x", "credit_code": L.break_cc_check(cc)}, admin)
    expect_error(srv, "POST /v1/operators with bad credit code -> 422 invalid_credit_code", r, 422,
                 "invalid_credit_code", "credit_code")
    r = srv.req("POST", "/v1/operators", {"name": "x", "id_number": L.break_id_check(idn)}, admin)
    expect_error(srv, "POST /v1/operators with bad id_number -> 422 invalid_id_number", r, 422,
                 "invalid_id_number", "id_number")
    if not op_id:
        return None
    r = srv.req("GET", "/v1/operators/%s" % op_id, token=admin)
    C.check("GET /v1/operators/{id} -> 200", r[0] == 200 and r[1].get("id") == op_id, L.describe(r))
    r = srv.req("GET", "/v1/operators", token=admin)
    C.check("GET /v1/operators lists it",
            r[0] == 200 and op_id in [i.get("id") for i in r[1].get("items", [])] or
            op_id in [i.get("id") for i in L.list_all(srv, "/v1/operators", admin)[0]], L.describe(r))
    r = srv.req("PATCH", "/v1/operators/%s" % op_id, {"name": "优选直播间二"}, admin)
    C.check("PATCH /v1/operators/{id} -> 200", r[0] == 200, L.describe(r))
    r = srv.req("GET", "/v1/operators/%s" % op_id, token=admin)
    C.check("operator PATCH persisted", r[0] == 200 and r[1].get("name") == "优选直播间二", L.describe(r))

    v = {"method": seed.OPERATOR_VERIFY_METHOD, "result": "pass", "checked_at": L.rfc3339(-1)}
    r = srv.req("POST", "/v1/operators/%s/verifications" % op_id, v, admin)
    C.check("POST /v1/operators/{id}/verifications -> 201", r[0] == 201, L.describe(r))
    r = srv.req("POST", "/v1/operators/%s/verifications" % op_id, dict(v, result="fail"), admin)
    C.check("operator verification result=fail is accepted -> 201", r[0] == 201, L.describe(r))
    r = srv.req("POST", "/v1/operators/%s/verifications" % op_id, dict(v, result="maybe"), admin)
    expect_error(srv, "operator verification result=maybe -> 422 invalid_value", r, 422, "invalid_value", "result")
    r = srv.req("POST", "/v1/operators/%s/verifications" % op_id, dict(v, checked_at="yesterday"), admin)
    expect_error(srv, "operator verification checked_at=yesterday -> 422 invalid_value", r, 422,
                 "invalid_value", "checked_at")
    r = srv.req("POST", "/v1/operators/%s/verifications" % op_id,
                dict(v, checked_at="2026-02-30T10:00:00Z"), admin)
    expect_error(srv, "operator verification checked_at=Feb 30 -> 422 invalid_value", r, 422,
                 "invalid_value", "checked_at")
    r = srv.req("POST", "/v1/operators/no-such-operator/verifications", v, admin)
    C.check("verification for unknown operator -> 404 or 422 unknown_reference",
            (r[0] == 404 and L.err_code(r) == "not_found") or
            (r[0] == 422 and L.err_code(r) == "unknown_reference"), L.describe(r))
    return op_id


def t_hosts(srv, tk, seed, ag):
    admin = tk["admin"]
    name, phone = L.make_name(), "138" + "%08d" % (int(time.time()) % 10 ** 8)
    idn = L.make_id_number(dt.date(1990, 5, 17))
    body = {"name": name, "id_number": idn, "phone": phone, "agency_id": ag, "guardian_consent": False}
    r = srv.req("POST", "/v1/hosts", body, admin)
    ok = r[0] == 201 and r[1].get("id")
    C.check("POST /v1/hosts (adult) -> 201 with id", ok, L.describe(r))
    if not ok:
        return None, body
    h = r[1]
    raw = r[3].decode("utf-8", "replace")
    C.check("201 response masks id_number/name/phone",
            h.get("id_number") == L.mask_id(idn) and h.get("name") == L.mask_name(name)
            and h.get("phone") == L.mask_phone(phone) and idn not in raw and phone not in raw,
            L.describe(r))
    r = srv.req("GET", "/v1/hosts/%s" % h["id"], token=admin)
    C.check("GET /v1/hosts/{id} masks by default: id 1101**********XXXX, name X*, phone 138****NNNN",
            r[0] == 200 and r[1].get("id_number") == L.mask_id(idn) and r[1].get("name") == L.mask_name(name)
            and r[1].get("phone") == L.mask_phone(phone), L.describe(r))
    C.check("masked id_number has the documented shape (4 + 10 stars + 4)",
            r[0] == 200 and isinstance(r[1].get("id_number"), str) and len(r[1]["id_number"]) == 18
            and r[1]["id_number"][4:14] == "*" * 10, L.describe(r))
    stamps = {k: v for k, v in (r[1] or {}).items() if k.endswith("_at") and v is not None}
    C.check("host timestamps are RFC 3339 UTC (…Z)", stamps and all(is_rfc3339_utc(v) for v in stamps.values()),
            repr(stamps))
    r = srv.req("GET", "/v1/hosts/%s?reveal=true" % h["id"], token=admin)
    C.check("GET /v1/hosts/{id}?reveal=true as admin -> clear values",
            r[0] == 200 and r[1].get("id_number") == idn and r[1].get("name") == name
            and r[1].get("phone") == phone, L.describe(r))
    r = srv.req("GET", "/v1/hosts", token=admin)
    raw = r[3].decode("utf-8", "replace")
    C.check("GET /v1/hosts list masks by default",
            r[0] == 200 and idn not in raw and phone not in raw and
            any(i.get("id") == h["id"] and i.get("id_number") == L.mask_id(idn) for i in r[1].get("items", [])),
            L.describe(r))
    for role in ("regulator", "operator"):
        rr = srv.req("GET", "/v1/hosts/%s?reveal=true" % h["id"], token=tk[role])
        expect_error(srv, "reveal=true by %s -> 403 forbidden" % role, rr, 403, "forbidden")
        C.check("denied reveal by %s leaks nothing" % role,
                idn not in rr[3].decode("utf-8", "replace"), L.describe(rr))
    rr = srv.req("GET", "/v1/hosts?reveal=true", token=tk["regulator"])
    expect_error(srv, "list reveal=true by regulator -> 403 forbidden", rr, 403, "forbidden")

    r = srv.req("PATCH", "/v1/hosts/%s" % h["id"], {"phone": "13900001111"}, admin)
    C.check("PATCH /v1/hosts/{id} phone -> 200 (masked)",
            r[0] == 200 and "13900001111" not in r[3].decode("utf-8", "replace"), L.describe(r))
    r = srv.req("GET", "/v1/hosts/%s?reveal=true" % h["id"], token=admin)
    C.check("host PATCH persisted", r[0] == 200 and r[1].get("phone") == "13900001111", L.describe(r))
    r = srv.req("PATCH", "/v1/hosts/%s" % h["id"], {"phone": 13900001111}, admin)
    expect_error(srv, "PATCH host phone as number -> 400 wrong_type", r, 400, "wrong_type", "phone")
    r = srv.req("GET", "/v1/hosts/nope", token=admin)
    expect_error(srv, "GET /v1/hosts/{unknown} -> 404 not_found", r, 404, "not_found")

    # verifications and training
    v = {"method": seed.HOST_VERIFY_METHOD, "result": "pass", "checked_at": L.rfc3339(-0.01)}
    r = srv.req("POST", "/v1/hosts/%s/verifications" % h["id"], v, admin)
    C.check("POST /v1/hosts/{id}/verifications -> 201", r[0] == 201, L.describe(r))
    r = srv.req("POST", "/v1/hosts/%s/verifications" % h["id"], dict(v, method=7), admin)
    expect_error(srv, "host verification method=7 -> 400 wrong_type", r, 400, "wrong_type", "method")
    r = srv.req("POST", "/v1/hosts/%s/verifications" % h["id"], {"method": v["method"], "result": "pass"}, admin)
    expect_error(srv, "host verification without checked_at -> 400 missing_field", r, 400, "missing_field",
                 "checked_at")
    r = srv.req("POST", "/v1/trainings", {"host_id": h["id"], "completed_at": L.rfc3339(-3)}, admin)
    C.check("POST /v1/trainings -> 201 with id", r[0] == 201 and r[1].get("id"), L.describe(r))
    r = srv.req("POST", "/v1/trainings", {"host_id": "no-such-host", "completed_at": L.rfc3339(-3)}, admin)
    expect_error(srv, "training for unknown host -> 422 unknown_reference", r, 422, "unknown_reference", "host_id")
    r = srv.req("POST", "/v1/trainings", {"host_id": h["id"], "completed_at": "2026-13-01T00:00:00Z"}, admin)
    expect_error(srv, "training completed_at month 13 -> 422 invalid_value", r, 422, "invalid_value", "completed_at")
    return h, body


def t_host_validation(srv, tk, ag):
    admin = tk["admin"]

    def host(birth=None, consent=False, **over):
        b = {"name": L.make_name(), "id_number": L.make_id_number(birth or L.adult_birth()),
             "phone": L.make_phone(), "agency_id": ag, "guardian_consent": consent}
        b.update(over)
        return b

    idn = L.make_id_number(L.adult_birth())
    r = srv.req("POST", "/v1/hosts", host(id_number=L.break_id_check(idn)), admin)
    expect_error(srv, "host with bad ID check char -> 422 invalid_id_number", r, 422, "invalid_id_number", "id_number")
    body17 = "110105" + "19901332" + "123"  # month 13
    r = srv.req("POST", "/v1/hosts", host(id_number=body17 + L.id_check_char(body17)), admin)
    expect_error(srv, "host with impossible birth date (checksum ok) -> 422 invalid_id_number", r, 422,
                 "invalid_id_number", "id_number")
    r = srv.req("POST", "/v1/hosts", host(id_number="11010519491231002"), admin)
    expect_error(srv, "host with 17-char ID -> 422 invalid_id_number", r, 422, "invalid_id_number", "id_number")
    r = srv.req("POST", "/v1/hosts", host(id_number="11010519491231002x"), admin)
    C.check("lower-case x check char is accepted or rejected cleanly (201/422)",
            r[0] in (201, 422), L.describe(r))

    # age rules: a day of slack either side so UTC vs Asia/Shanghai can't flip them
    r = srv.req("POST", "/v1/hosts", host(birth=L.years_ago(15)), admin)
    expect_error(srv, "host aged 15 -> 422 under_age", r, 422, "under_age")
    r = srv.req("POST", "/v1/hosts", host(birth=L.years_ago(16, plus_days=2), consent=True), admin)
    expect_error(srv, "host turning 16 in two days, with consent -> 422 under_age", r, 422, "under_age")
    r = srv.req("POST", "/v1/hosts", host(birth=L.years_ago(16, plus_days=-2), consent=True), admin)
    C.check("host who turned 16 two days ago, with consent -> 201", r[0] == 201, L.describe(r))
    r = srv.req("POST", "/v1/hosts", host(birth=L.years_ago(17)), admin)
    expect_error(srv, "host aged 17 without guardian consent -> 422 guardian_consent_required", r, 422,
                 "guardian_consent_required")
    r = srv.req("POST", "/v1/hosts", host(birth=L.years_ago(17), consent=True), admin)
    C.check("host aged 17 with guardian consent -> 201", r[0] == 201, L.describe(r))
    r = srv.req("POST", "/v1/hosts", host(birth=L.years_ago(18, plus_days=2)), admin)
    expect_error(srv, "host turning 18 in two days without consent -> 422 guardian_consent_required", r, 422,
                 "guardian_consent_required")
    r = srv.req("POST", "/v1/hosts", host(birth=L.years_ago(18, plus_days=-2)), admin)
    C.check("host who turned 18 two days ago, no consent -> 201", r[0] == 201, L.describe(r))
    future = L.today_utc() + dt.timedelta(days=30)
    r = srv.req("POST", "/v1/hosts", host(birth=future), admin)
    C.check("host born in the future -> 422 (invalid_id_number or under_age)",
            r[0] == 422 and L.err_code(r) in ("invalid_id_number", "under_age"), L.describe(r))

    # shape errors
    r = srv.req("POST", "/v1/hosts", host(guardian_consent="yes"), admin)
    expect_error(srv, "guardian_consent as string -> 400 wrong_type", r, 400, "wrong_type", "guardian_consent")
    b = host()
    del b["phone"]
    r = srv.req("POST", "/v1/hosts", b, admin)
    expect_error(srv, "host without phone -> 400 missing_field", r, 400, "missing_field", "phone")
    r = srv.req("POST", "/v1/hosts", host(nickname="x"), admin)
    expect_error(srv, "host with unknown field nickname -> 400 unknown_field", r, 400, "unknown_field", "nickname")
    r = srv.req("POST", "/v1/hosts", host(agency_id="no-such-agency"), admin)
    expect_error(srv, "host with unknown agency_id -> 422 unknown_reference", r, 422, "unknown_reference", "agency_id")
    r = srv.req("POST", "/v1/hosts", host(name=None), admin)
    C.check("host name null -> 400 wrong_type or missing_field, field name",
            r[0] == 400 and L.err_code(r) in ("wrong_type", "missing_field") and L.err_field(r) == "name",
            L.describe(r))
    still_alive(srv, "host validation errors")


def t_bad_input(srv, tk):
    admin = tk["admin"]
    cc = L.make_credit_code()
    J = {"Content-Type": "application/json"}
    r = srv.req("POST", "/v1/agencies", raw_body=b'{"name": "a", "credit_code":', token=admin, headers=J)
    expect_error(srv, "truncated JSON -> 400 invalid_json", r, 400, "invalid_json")
    r = srv.req("POST", "/v1/agencies", raw_body=b"{'name': 'a'}", token=admin, headers=J)
    expect_error(srv, "single-quoted pseudo-JSON -> 400 invalid_json", r, 400, "invalid_json")
    r = srv.req("POST", "/v1/agencies", raw_body=b"", token=admin, headers=J)
    C.check("empty body -> 400 (invalid_json or missing_field)",
            r[0] == 400 and L.err_code(r) in ("invalid_json", "missing_field"), L.describe(r))
    r = srv.req("POST", "/v1/agencies", raw_body=b'{"name":"a","credit_code":"%s"} trailing' % cc.encode(),
                token=admin, headers=J)
    expect_error(srv, "JSON with trailing garbage -> 400 invalid_json", r, 400, "invalid_json")
    r = srv.req("POST", "/v1/agencies", raw_body=b'[1,2,3]', token=admin, headers=J)
    C.check("JSON array instead of object -> 400 (invalid_json or wrong_type)",
            r[0] == 400 and L.err_code(r) in ("invalid_json", "wrong_type"), L.describe(r))
    r = srv.req("POST", "/v1/agencies", raw_body=('{"name":"\u6d4b","credit_code":"%s"}' % cc).encode()
                .replace("\u6d4b".encode(), b"\xe6\xb5"), token=admin, headers=J)
    expect_error(srv, "truncated UTF-8 sequence in a JSON string -> 400 invalid_utf8", r, 400, "invalid_utf8")
    r = srv.req("POST", "/v1/agencies", raw_body=b'{"name":"\xff\xfeab","credit_code":"%s"}' % cc.encode(),
                token=admin, headers=J)
    expect_error(srv, "0xFF byte in a JSON string -> 400 invalid_utf8", r, 400, "invalid_utf8")
    r = srv.req("POST", "/v1/agencies", raw_body=b'{"name":"\xc0\xafab","credit_code":"%s"}' % cc.encode(),
                token=admin, headers=J)
    expect_error(srv, "overlong UTF-8 encoding -> 400 invalid_utf8", r, 400, "invalid_utf8")
    r = srv.req("POST", "/v1/agencies", raw_body=b'{"name":"\xed\xa0\x80x","credit_code":"%s"}' % cc.encode(),
                token=admin, headers=J)
    expect_error(srv, "UTF-8-encoded surrogate -> 400 invalid_utf8", r, 400, "invalid_utf8")
    r = srv.req("POST", "/v1/agencies", {"name": 123, "credit_code": cc}, admin)
    expect_error(srv, "name as number -> 400 wrong_type", r, 400, "wrong_type", "name")
    r = srv.req("POST", "/v1/agencies", {"name": "a", "credit_code": ["x"]}, admin)
    expect_error(srv, "credit_code as array -> 400 wrong_type", r, 400, "wrong_type", "credit_code")
    r = srv.req("POST", "/v1/agencies", {"name": "a", "credit_code": cc, "extra": True}, admin)
    expect_error(srv, "unknown field -> 400 unknown_field", r, 400, "unknown_field", "extra")
    r = srv.req("POST", "/v1/agencies", {"name": "a"}, admin)
    expect_error(srv, "missing credit_code -> 400 missing_field", r, 400, "missing_field", "credit_code")
    r = srv.req("POST", "/v1/agencies", {"name": "a", "credit_code": L.break_cc_check(cc)}, admin)
    expect_error(srv, "bad credit-code check char -> 422 invalid_credit_code", r, 422, "invalid_credit_code",
                 "credit_code")
    r = srv.req("POST", "/v1/agencies", {"name": "a", "credit_code": "91512081MA62K0260I"}, admin)
    expect_error(srv, "credit code with letter I (not in alphabet) -> 422 invalid_credit_code", r, 422,
                 "invalid_credit_code", "credit_code")
    r = srv.req("POST", "/v1/agencies", {"name": "a", "credit_code": "91512081MA62K0260"}, admin)
    expect_error(srv, "17-char credit code -> 422 invalid_credit_code", r, 422, "invalid_credit_code", "credit_code")
    r = srv.req("POST", "/v1/agencies", {"name": "已知合法", "credit_code": "91512081MA62K0260E"}, admin)
    C.check("known-valid credit code 91512081MA62K0260E accepted (201, or 409 if already used)",
            r[0] in (201, 409), L.describe(r))

    big = {"name": "a" * (70 * 1024), "credit_code": cc}
    r = srv.req("POST", "/v1/agencies", big, admin)
    expect_error(srv, "70 KiB JSON body -> 413 body_too_large", r, 413, "body_too_large")
    r = srv.req("POST", "/v1/agencies", raw_body=b'{"name":"' + b"b" * (2 * 1024 * 1024) + b'"}',
                token=admin, headers=J)
    expect_error(srv, "2 MiB JSON body -> 413 body_too_large", r, 413, "body_too_large")
    ok_size = {"name": "c" * (60 * 1024), "credit_code": L.make_credit_code()}
    r = srv.req("POST", "/v1/agencies", ok_size, admin)
    C.check("60 KiB body is under the cap (not 413)", r[0] != 413 and r[0] < 500, L.describe(r))
    deep = b"[" * 100000 + b"]" * 100000
    r = srv.req("POST", "/v1/agencies", raw_body=deep[:60000], token=admin, headers=J)
    C.check("deeply nested JSON (60 KB of '[') -> 400, no crash", r[0] == 400, L.describe(r))
    still_alive(srv, "malformed bodies")

    r = srv.req("GET", "/v1/nothing-here", token=admin)
    expect_error(srv, "unknown route /v1/nothing-here -> 404 not_found", r, 404, "not_found")
    r = srv.req("GET", "/nope", token=admin)
    expect_error(srv, "unknown route /nope -> 404 not_found", r, 404, "not_found")
    r = srv.req("DELETE", "/v1/agencies", token=admin)
    expect_error(srv, "DELETE /v1/agencies -> 405 method_not_allowed", r, 405, "method_not_allowed")
    r = srv.req("PUT", "/v1/hosts", {"x": 1}, admin)
    expect_error(srv, "PUT /v1/hosts -> 405 method_not_allowed", r, 405, "method_not_allowed")
    r = srv.req("GET", "/v1/agencies/../../etc/passwd", token=admin)
    C.check("path traversal attempt -> 4xx", 400 <= r[0] < 500 and b"root:" not in r[3], L.describe(r))
    still_alive(srv, "routing errors")


def t_auth(srv, tk, ag, host):
    cc = L.make_credit_code()
    body = {"name": "a", "credit_code": cc}
    r = srv.req("GET", "/v1/agencies")
    expect_error(srv, "no token -> 401 unauthorized", r, 401, "unauthorized")
    r = srv.req("POST", "/v1/agencies", body)
    expect_error(srv, "POST with no token -> 401 unauthorized", r, 401, "unauthorized")
    r = srv.req("GET", "/v1/agencies", token="not-a-real-token")
    expect_error(srv, "bad token -> 401 unauthorized", r, 401, "unauthorized")
    r = srv.req("GET", "/v1/agencies", token=tk["admin"][:-1] + ("A" if tk["admin"][-1] != "A" else "B"))
    expect_error(srv, "admin token with last char changed -> 401 unauthorized", r, 401, "unauthorized")
    r = srv.req("GET", "/v1/agencies", headers={"Authorization": "Basic " + tk["admin"]})
    expect_error(srv, "valid token under Basic scheme -> 401 unauthorized", r, 401, "unauthorized")
    r = srv.req("GET", "/v1/agencies", headers={"Authorization": "Bearer"})
    expect_error(srv, "'Bearer' with empty token -> 401 unauthorized", r, 401, "unauthorized")
    r = srv.req("GET", "/v1/agencies?token=" + tk["admin"])
    expect_error(srv, "admin token in the query string (not the header) -> 401", r, 401, "unauthorized")

    for role in ("hook", "ingest"):
        r = srv.req("GET", "/v1/agencies", token=tk[role])
        expect_error(srv, "%s token on GET /v1/agencies -> 403 forbidden" % role, r, 403, "forbidden")
        r = srv.req("POST", "/v1/agencies", body, tk[role])
        expect_error(srv, "%s token on POST /v1/agencies -> 403 forbidden" % role, r, 403, "forbidden")
    reg = tk["regulator"]
    r = srv.req("GET", "/v1/agencies", token=reg)
    C.check("regulator may GET /v1/agencies -> 200", r[0] == 200, L.describe(r))
    r = srv.req("GET", "/v1/hosts/%s" % host, token=reg)
    C.check("regulator may GET /v1/hosts/{id} -> 200 (masked)", r[0] == 200, L.describe(r))
    r = srv.req("POST", "/v1/agencies", body, reg)
    expect_error(srv, "regulator POST /v1/agencies -> 403 forbidden", r, 403, "forbidden")
    r = srv.req("PATCH", "/v1/agencies/%s" % ag, {"name": "x"}, reg)
    expect_error(srv, "regulator PATCH /v1/agencies/{id} -> 403 forbidden", r, 403, "forbidden")
    r = srv.req("POST", "/v1/blacklist", {"id_number": L.make_id_number(L.adult_birth()), "reason": "x",
                                          "legal_basis": "y", "expires_at": L.rfc3339(30)}, reg)
    expect_error(srv, "regulator POST /v1/blacklist -> 403 forbidden", r, 403, "forbidden")
    r = srv.req("POST", "/v1/trainings", {"host_id": host, "completed_at": L.rfc3339(-1)}, reg)
    expect_error(srv, "regulator POST /v1/trainings -> 403 forbidden", r, 403, "forbidden")
    r2 = srv.req("GET", "/v1/agencies/%s" % ag, token=tk["admin"])
    C.check("regulator's denied PATCH changed nothing", r2[0] == 200 and r2[1].get("name") != "x", L.describe(r2))
    still_alive(srv, "auth errors")


def t_agency_scope(srv, tk, seed):
    admin = tk["admin"]
    a = seed.agency()["id"]
    b = seed.agency()["id"]
    ta = srv.token("agency", agency=a)
    op = seed.operator()["id"]
    hb = seed.host(b)["id"]

    def hostbody(agency):
        return {"name": L.make_name(), "id_number": L.make_id_number(L.adult_birth()),
                "phone": L.make_phone(), "agency_id": agency, "guardian_consent": False}

    r = srv.req("POST", "/v1/hosts", hostbody(a), ta)
    ok = r[0] == 201 and r[1].get("id")
    C.check("agency token creates a host in its own agency -> 201", ok, L.describe(r))
    ha = r[1].get("id") if ok else None
    r = srv.req("POST", "/v1/hosts", hostbody(b), ta)
    expect_error(srv, "agency token creates a host in another agency -> 403 forbidden", r, 403, "forbidden")
    r = srv.req("GET", "/v1/hosts/%s" % hb, token=ta)
    expect_error(srv, "agency token reads another agency's host -> 403 forbidden", r, 403, "forbidden")
    r = srv.req("PATCH", "/v1/hosts/%s" % hb, {"phone": L.make_phone()}, ta)
    expect_error(srv, "agency token patches another agency's host -> 403 forbidden", r, 403, "forbidden")
    if ha:
        r = srv.req("GET", "/v1/hosts/%s" % ha, token=ta)
        C.check("agency token reads its own host -> 200", r[0] == 200 and r[1].get("id") == ha, L.describe(r))
        r = srv.req("PATCH", "/v1/hosts/%s" % ha, {"agency_id": b}, ta)
        C.check("agency token cannot move its host into another agency (403/400/422)",
                r[0] in (400, 403, 422), L.describe(r))
        r = srv.req("GET", "/v1/hosts/%s" % ha, token=admin)
        C.check("host still belongs to agency A", r[0] == 200 and r[1].get("agency_id", a) == a, L.describe(r))
    items, err = L.list_all(srv, "/v1/hosts", ta)
    ids = [i.get("id") for i in items]
    C.check("agency token's GET /v1/hosts lists only its own hosts",
            err is None and hb not in ids and (ha is None or ha in ids)
            and all(i.get("agency_id", a) == a for i in items),
            "err=%s ids=%s" % (err and L.describe(err), ids))
    r = srv.req("GET", "/v1/hosts/%s?reveal=true" % (ha or hb), token=ta)
    expect_error(srv, "agency token reveal=true -> 403 forbidden", r, 403, "forbidden")
    r = srv.req("POST", "/v1/rooms", {"name": "B的直播间", "operator_id": op, "host_id": hb}, ta)
    expect_error(srv, "agency token creates a room for another agency's host -> 403 forbidden", r, 403, "forbidden")
    if ha:
        r = srv.req("POST", "/v1/rooms", {"name": "A的直播间", "operator_id": op, "host_id": ha}, ta)
        C.check("agency token creates a room for its own host -> 201 with stream_key",
                r[0] == 201 and r[1].get("stream_key"), L.describe(r))
        r = srv.req("POST", "/v1/trainings", {"host_id": hb, "completed_at": L.rfc3339(-1)}, ta)
        C.check("agency token records training for another agency's host -> 403",
                r[0] == 403 and L.err_code(r) == "forbidden", L.describe(r))
    r = srv.req("POST", "/v1/agencies", {"name": "x", "credit_code": L.make_credit_code()}, ta)
    expect_error(srv, "agency token creates an agency -> 403 forbidden", r, 403, "forbidden")
    r = srv.req("PATCH", "/v1/agencies/%s" % b, {"name": "x"}, ta)
    expect_error(srv, "agency token patches another agency -> 403 forbidden", r, 403, "forbidden")
    still_alive(srv, "scope errors")


def t_rooms_blacklist(srv, tk, seed, ag, op, host_id):
    admin = tk["admin"]
    r = srv.req("POST", "/v1/rooms", {"name": "好物直播间", "operator_id": op, "host_id": host_id}, admin)
    ok = r[0] == 201 and r[1].get("id") and r[1].get("stream_key")
    C.check("POST /v1/rooms -> 201 with id and stream_key", ok, L.describe(r))
    r2 = srv.req("POST", "/v1/rooms", {"name": "好物直播间2", "operator_id": op, "host_id": host_id}, admin)
    if ok and r2[0] == 201:
        C.check("two rooms get different stream keys", r[1]["stream_key"] != r2[1].get("stream_key"),
                L.describe(r2))
        C.check("stream key is long enough to be unguessable (>= 16 chars)",
                len(r[1]["stream_key"]) >= 16, r[1]["stream_key"])
    r = srv.req("POST", "/v1/rooms", {"name": "x", "operator_id": "nope", "host_id": host_id}, admin)
    expect_error(srv, "room with unknown operator_id -> 422 unknown_reference", r, 422, "unknown_reference",
                 "operator_id")
    r = srv.req("POST", "/v1/rooms", {"name": "x", "operator_id": op, "host_id": "nope"}, admin)
    expect_error(srv, "room with unknown host_id -> 422 unknown_reference", r, 422, "unknown_reference", "host_id")
    r = srv.req("POST", "/v1/rooms", {"name": "x", "operator_id": op}, admin)
    expect_error(srv, "room without host_id -> 400 missing_field", r, 400, "missing_field", "host_id")

    bl = {"id_number": L.make_id_number(L.adult_birth()), "reason": "虚假宣传", "legal_basis": "M26 Art 14",
          "expires_at": L.rfc3339(365)}
    r = srv.req("POST", "/v1/blacklist", bl, admin)
    C.check("POST /v1/blacklist (id_number) -> 201 with id", r[0] == 201 and r[1].get("id"), L.describe(r))
    if r[0] == 201:
        C.check("blacklist entry response does not echo the ID number in clear",
                bl["id_number"] not in r[3].decode("utf-8", "replace"), L.describe(r))
    r = srv.req("POST", "/v1/blacklist", {"credit_code": L.make_credit_code(), "reason": "x",
                                          "legal_basis": "y", "expires_at": L.rfc3339(30)}, admin)
    C.check("POST /v1/blacklist (credit_code) -> 201", r[0] == 201, L.describe(r))
    b = dict(bl)
    del b["expires_at"]
    r = srv.req("POST", "/v1/blacklist", b, admin)
    expect_error(srv, "blacklist without expires_at -> 400 missing_field", r, 400, "missing_field", "expires_at")
    r = srv.req("POST", "/v1/blacklist", dict(bl, expires_at=L.rfc3339(-1)), admin)
    expect_error(srv, "blacklist with expires_at in the past -> 422 invalid_value", r, 422, "invalid_value",
                 "expires_at")
    r = srv.req("POST", "/v1/blacklist", dict(bl, expires_at="2027-01-01"), admin)
    expect_error(srv, "blacklist expires_at without time -> 422 invalid_value", r, 422, "invalid_value", "expires_at")
    r = srv.req("POST", "/v1/blacklist", dict(bl, id_number=L.break_id_check(bl["id_number"])), admin)
    expect_error(srv, "blacklist with bad ID checksum -> 422 invalid_id_number", r, 422, "invalid_id_number",
                 "id_number")
    r = srv.req("POST", "/v1/blacklist", {"reason": "x", "legal_basis": "y", "expires_at": L.rfc3339(30)}, admin)
    C.check("blacklist with neither id_number nor credit_code -> 400 missing_field",
            r[0] == 400 and L.err_code(r) == "missing_field", L.describe(r))
    r = srv.req("POST", "/v1/blacklist", dict(bl, credit_code=L.make_credit_code()), admin)
    C.check("blacklist with both id_number and credit_code -> 4xx (ambiguous subject)",
            r[0] in (400, 422), L.describe(r))


def t_hook_tokens(srv, tk):
    """Touches the hook endpoint with the hook token in the URL so that the
    access log has a line to (not) leak it in."""
    body = L.form_encode([("app", "live"), ("flashver", "FMLE/3.0 (compatible; Lavf59.27"), ("swfurl", ""),
                          ("tcurl", "rtmp://127.0.0.1:1935/live"), ("pageurl", ""), ("addr", "127.0.0.1"),
                          ("clientid", "1"), ("call", "publish"), ("name", "no-such-room"), ("type", "live"),
                          ("key", "no-such-key")]).encode()
    F = {"Content-Type": "application/x-www-form-urlencoded"}
    r = srv.req("POST", "/hooks/rtmp/publish?token=" + tk["hook"], raw_body=body, headers=F)
    C.check("hook publish with unknown stream key -> 403 (deny)", r[0] == 403, L.describe(r))
    r = srv.req("POST", "/hooks/rtmp/publish", raw_body=body, headers=F)
    C.check("hook publish without token -> 401", r[0] == 401, L.describe(r))


def t_logs(srv, secrets, tokens):
    # livecomply writes buffered log lines every 200 ms (src/core/log.c); wait
    # longer than that so the lines of the requests above are on disk.
    L.time.sleep(0.6)
    files = srv.log_files()
    total = 0
    blobs = {}
    for fn in files:
        with open(fn, "rb") as f:
            blobs[fn] = f.read()
        total += len(blobs[fn])
    C.check("DIR/log/*.jsonl exists and is non-empty (so the leak checks mean something)",
            files and total > 0, "files=%s under %s" % (files, os.path.join(srv.data, "log")))
    bad_lines = []
    for fn, b in blobs.items():
        for ln in b.splitlines():
            try:
                L.json.loads(ln.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                bad_lines.append((os.path.basename(fn), ln[:120]))
    C.check("while running, DIR/log/*.jsonl holds only whole JSON lines (each line written at once, "
            "not left half-flushed in a stdio buffer)", not bad_lines, repr(bad_lines[:3]))
    for label, val in secrets:
        hits = [os.path.basename(fn) for fn, b in blobs.items() if val.encode("utf-8") in b]
        C.check("personal data (%s) never appears in clear in DIR/log/*.jsonl" % label, not hits,
                "%r found in %s" % (val, hits))
    for label, tok in tokens:
        hits = [os.path.basename(fn) for fn, b in blobs.items() if tok.encode() in b]
        C.check("%s token never appears in DIR/log/*.jsonl" % label, not hits, "found in %s" % hits)
    # stderr goes to operators' journals too
    err = srv.stderr_text()
    leaked = [label for label, val in secrets if val in err] + [label for label, t in tokens if t in err]
    C.check("server stderr carries no personal data or tokens", not leaked, "leaked: %s" % leaked)


def t_data_at_rest(srv, secrets):
    """Design rule: personal fields are encrypted at rest (overview.md)."""
    hits = []
    for root, _dirs, files in os.walk(srv.data):
        for fn in files:
            p = os.path.join(root, fn)
            try:
                with open(p, "rb") as f:
                    b = f.read()
            except OSError:
                continue
            for label, val in secrets:
                if val.encode("utf-8") in b:
                    hits.append((os.path.relpath(p, srv.data), label))
    C.check("no registered ID number / phone / name stored in clear anywhere under DIR", not hits, repr(hits[:6]))


def is_rfc3339_utc(s):
    try:
        return isinstance(s, str) and s.endswith("Z") and \
            dt.datetime.strptime(s.replace(".", "Z", 1).split("Z")[0], "%Y-%m-%dT%H:%M:%S") is not None
    except ValueError:
        return False


def main():
    binary = L.find_binary(sys.argv)
    print("binary: %s" % binary, flush=True)
    if not os.access(binary, os.X_OK):
        C.check("binary exists and is executable", False, binary)
        return C.finish()
    srv = S(binary)
    try:
        srv.start()
        C.check("serve starts and answers /healthz", True)
        # the line is printed just after the listener starts, so /healthz
        # can answer a moment before it appears
        for _ in range(40):
            if "listening" in srv.stderr_text():
                break
            time.sleep(0.05)
        C.check("serve prints a line containing 'listening' on stderr", "listening" in srv.stderr_text(),
                srv.stderr_tail(500))
        tk = {}
        for role in ("admin", "operator", "regulator", "hook", "ingest"):
            tk[role] = srv.token(role)
        C.check("token create prints distinct tokens for each role",
                len(set(tk.values())) == len(tk), repr(list(tk)))
        seed = L.Seeder(srv, tk["admin"])
        secrets = []

        def group(name, fn, *a):
            try:
                return fn(*a)
            except L.SeedError as e:
                C.check("%s: seeding" % name, False, str(e))
            except Exception as e:  # noqa: BLE001 -- report and keep going
                C.error(name, e)
            return None

        group("health", t_health, srv)
        ag = group("agencies", t_agencies, srv, tk, seed)
        ag_id = ag["id"] if ag else seed.agency()["id"]
        op_id = group("operators", t_operators, srv, tk, seed) or seed.operator()["id"]
        res = group("hosts", t_hosts, srv, tk, seed, ag_id)
        host, hbody = res if res else (None, None)
        if hbody:
            secrets += [("id_number", hbody["id_number"]), ("phone", hbody["phone"]), ("name", hbody["name"])]
            secrets.append(("phone after PATCH", "13900001111"))
        host_id = host["id"] if host else seed.host(ag_id)["id"]
        # a few more hosts whose personal data must not leak either
        for _ in range(2):
            h = group("seed host", lambda: seed.host(ag_id, name=L.make_name(2)))
            if h:
                c = h["_clear"]
                secrets += [("id_number", c["id_number"]), ("phone", c["phone"]), ("name (3 chars)", c["name"])]
        group("host validation", t_host_validation, srv, tk, ag_id)
        group("bad input", t_bad_input, srv, tk)
        group("auth", t_auth, srv, tk, ag_id, host_id)
        group("agency scope", t_agency_scope, srv, tk, seed)
        group("rooms+blacklist", t_rooms_blacklist, srv, tk, seed, ag_id, op_id, host_id)
        group("hook token", t_hook_tokens, srv, tk)

        C.check("no request got a 5xx or a dropped connection", not SERVER_ERRORS, repr(SERVER_ERRORS[:5]))
        still_alive(srv, "the whole run")
        group("logs", t_logs, srv, secrets, [("hook", tk["hook"]), ("admin", tk["admin"]),
                                              ("regulator", tk["regulator"])])
        group("data at rest", t_data_at_rest, srv, secrets)

        t0 = time.monotonic()
        rc = srv.stop(sig=signal.SIGTERM, timeout=10)
        C.check("SIGTERM -> clean exit 0 within 10 s", rc == 0,
                "rc=%s after %.1fs; stderr tail:\n%s" % (rc, time.monotonic() - t0, srv.stderr_tail(800)))
        # logs are complete after shutdown: re-check leaks on what was flushed at exit
        group("logs after exit", t_logs_after_exit, srv, secrets, tk)
    except Exception as e:  # noqa: BLE001
        C.error("setup", e)
        print("server stderr tail:\n" + srv.stderr_tail(), flush=True)
    finally:
        srv.cleanup()
    return C.finish()


def t_logs_after_exit(srv, secrets, tk):
    hits = []
    bad = []
    for fn in srv.log_files():
        with open(fn, "rb") as f:
            b = f.read()
        for ln in b.splitlines():
            try:
                L.json.loads(ln.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                bad.append((os.path.basename(fn), ln[:120]))
        for label, val in secrets + [("hook token", tk["hook"]), ("admin token", tk["admin"])]:
            if val.encode("utf-8") in b:
                hits.append((os.path.basename(fn), label))
    C.check("after shutdown every log line is valid JSON", not bad, repr(bad[:3]))
    C.check("after shutdown the logs still hold no personal data or tokens", not hits, repr(hits))


if __name__ == "__main__":
    sys.exit(main())
