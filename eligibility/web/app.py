"""The web application: routes that parse the request, call the library, and render.

Design decisions:

* No eligibility logic here. A verdict is ``eligibility.evaluation.check``; its explanation is
  ``render.explanations`` (the same ``BrickExplanation`` the CLI prints), its JSON is
  ``render.check_json_data`` (so ``POST /api/check`` equals ``check --format json``);
  an audit is ``audit.run_audit`` and its reports ``audit_reports``.
* One lock serialises the library calls (the durable-rules engine is one per process
  and not made for threads); Flask serves requests in threads around it.
* Uploads are bounded by ``MAX_CONTENT_LENGTH`` (413) and parsed by the CLI's readers.
  An uploaded audit input is written under a fresh temporary folder with a name made
  here (never the name sent), audited, and the folder removed; messages name the file
  as the user called it. No path from a request reaches the file system otherwise:
  bricks and rules are looked up in the catalog.
* Audit results stay in memory (a few, the latest first) so that their downloads are
  plain links; nothing is stored on disk.
* Every page is served with a Content-Security-Policy allowing only this origin's
  scripts and styles (no inline script); errors are pages or JSON, never a traceback.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import json
import logging
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from flask import Flask, Response, abort, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from eligibility.catalog.loading import load_catalog
from eligibility.catalog.model import Catalog
from eligibility.errors import InputError
from eligibility.evaluation.check import EngineName, check
from eligibility.evaluation.verdicts import Evaluation
from eligibility.explain.derivation import (
    SYMBOLS,
    BrickExplanation,
    fact_label,
    short_name,
    step_text,
)
from eligibility.profile.loading import parse_document, parse_profile
from eligibility.profile.model import Profile
from eligibility.reports.check import _header as render_header
from eligibility.reports.check import _summary as render_summary
from eligibility.reports.check import check_json_data, check_markdown, explanations
from eligibility.reports.provenance import footer as provenance_footer
from eligibility.web import form as forms
from eligibility.web.rules_view import (
    brick_page,
    catalog_json,
    checks_summary,
    rule_page,
    rules_overview,
)
from eligibility.web.svg import graph_svg
from eligibility.wording.bricks import brick_title
from eligibility.wording.i18n import say
from eligibility.wording.web import source_words, tr, web_lang

if TYPE_CHECKING:  # the audit modules are imported by the audit routes: a quick start
    from eligibility.audit.findings import AuditOptions, AuditRun

T = TypeVar("T")

MAX_UPLOAD = 8 * 1024 * 1024  # bytes per request: 39 communes' files weigh a few kB
MATRIX_SUFFIXES = (".csv", ".tsv", ".xlsx")
PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
KEPT_AUDITS = 8
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

log = logging.getLogger(__name__)


class Library:
    """The catalog and the lock every library call runs under."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.lock = threading.Lock()
        self.audits: collections.OrderedDict[str, AuditRun] = collections.OrderedDict()
        self.checks_cache: dict[str, Any] = {}

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self.lock:
            return function(*args, **kwargs)

    def keep(self, run: AuditRun) -> str:
        token = secrets.token_urlsafe(12)
        with self.lock:
            self.audits[token] = run
            while len(self.audits) > KEPT_AUDITS:
                self.audits.popitem(last=False)
        return token

    def kept(self, token: str) -> AuditRun:
        with self.lock:
            run = self.audits.get(token)
        if run is None:
            abort(404)
        return run


def _lang() -> str:
    return web_lang(request.values.get("lang", "fr"))


def _as_of(name: str = "as_of") -> dt.date:
    text = request.values.get(name, "")
    day = forms.parse_day(text, name)
    return day or dt.date.today()


def _problems(error: InputError) -> list[InputError]:
    return list(getattr(error, "problems", None) or [error])


def _error_json(problems: list[InputError], status: int) -> Response:
    response = jsonify({"errors": [{"source": p.source, "field": p.field, "message": p.message,
                                    "hint": p.hint, "text": InputError.__str__(p)}
                                   for p in problems]})
    response.status_code = status
    return response


def _upload_text(upload: FileStorage) -> str:
    raw: bytes = upload.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("expected a UTF-8 text file", source=_display_name(upload)) from None


def _display_name(upload: FileStorage) -> str:
    """The name the user gave the file, for messages only (never a path on disk)."""
    name = (upload.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[\x00-\x1f]", "", name)[:120] or "upload"


def _suffix(upload: FileStorage) -> str:
    return os.path.splitext(_display_name(upload))[1].lower()


def create_app(rules: str | None = None, engine: EngineName = "durable") -> Flask:
    """The application for the catalog at ``rules`` (the shipped one by default); every
    verdict and plan is decided by ``engine`` (``serve --engine``)."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD
    app.config["MAX_FORM_MEMORY_SIZE"] = MAX_UPLOAD
    app.config["JSON_AS_ASCII"] = False
    provider = app.json
    assert isinstance(provider, DefaultJSONProvider)  # Flask's own, with these two settings
    provider.ensure_ascii = False
    provider.sort_keys = False
    library = Library(load_catalog(rules))
    app.extensions["eligibility"] = library
    catalog = library.catalog

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        lang = _lang()
        return {"lang": lang, "tr": lambda fr, en: say(lang, fr, en),
                "symbols": SYMBOLS, "catalog": catalog, "today": dt.date.today(),
                "source_words": source_words(lang), "brick_title": brick_title}

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge) -> Any:
        message = f"upload too large: at most {MAX_UPLOAD // (1024 * 1024)} MB per request"
        if wants_json():
            return _error_json([InputError(message, source="request")], 413)
        return render_template("error.html", status=413, message=message), 413

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        if wants_json():
            return _error_json([InputError(error.description or error.name,
                                           source="request")], error.code or 500)
        return render_template("error.html", status=error.code, message=error.description), \
            error.code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        log.exception("unexpected error")  # for the operator's terminal, never the page
        message = "internal error: the request could not be answered"
        if wants_json():
            return _error_json([InputError(message, source="server")], 500)
        return render_template("error.html", status=500, message=message), 500

    # --- check ---------------------------------------------------------------------

    def evaluate(form: forms.FormData, lang: str) -> dict[str, Any]:
        """Everything the check page shows for a form: the profile, or its problems."""
        data, problems = forms.profile_document(form, catalog)
        labels = {q.name: q.label for sec in forms.sections(catalog, lang) for q in sec.questions}
        labels["as_of"] = tr(lang, "as_of")
        state: dict[str, Any] = {"errors": [], "field_errors": {}, "evaluation": None,
                                 "labels": labels}
        try:
            day = forms.parse_day(form.get("as_of"), "as_of") or dt.date.today()
        except InputError as error:
            problems.append(error)
            day = dt.date.today()
        state["as_of"] = day
        profile = None
        try:
            profile = parse_profile(data, catalog, "formulaire")
        except InputError as error:
            problems += _problems(error)
        if problems:
            state["errors"] = problems
            state["field_errors"] = {p.field: p for p in problems if p.field}
            return state
        assert profile is not None
        evaluation = library.call(check, catalog, profile, day, engine=engine)
        state["profile"] = profile
        state["evaluation"] = evaluation
        state["explanations"] = library.call(explanations, evaluation, lang)
        state["changes"], state["statuses"] = library.call(
            what_changed, evaluation, form.get("previous"), lang)
        state["quotes"] = quotes_of(catalog)
        state.update(library.call(verdict_words, evaluation, state["explanations"], lang,
                                  labels))
        return state

    def form_of_request() -> forms.FormData:
        return forms.FormData(request.form, request.form.to_dict(flat=False))

    def page(values: dict[str, Any], state: dict[str, Any] | None, status: int = 200,
             upload_errors: list[InputError] | None = None) -> Any:
        lang = _lang()
        return render_template(
            "check.html", sections=forms.sections(catalog, lang), values=values,
            state=state or {"errors": [], "field_errors": {}, "evaluation": None},
            upload_errors=upload_errors or [],
            history=forms.history_words(values.get("convention.history", ""), catalog, lang),
            bricks=list(catalog.bricks.values())), status

    @app.get("/")
    def check_page() -> Any:
        return page({"as_of": dt.date.today().strftime("%d/%m/%Y")}, None)

    @app.post("/")
    def check_submit() -> Any:
        upload = request.files.get("profile_file")
        if upload is not None and upload.filename:
            return fill_from_upload(upload)
        form = form_of_request()
        values = values_of_form(form)
        state = evaluate(form, _lang())
        return page(values, state, 422 if state["errors"] else 200)

    def fill_from_upload(upload: FileStorage) -> Any:
        name = _display_name(upload)
        try:
            if _suffix(upload) not in PROFILE_SUFFIXES:
                raise InputError("expected a profile file (.yaml, .yml or .json)", source=name)
            document = parse_document(_upload_text(upload), name, _suffix(upload) == ".json")
            profile = parse_profile(document, catalog, name)
        except InputError as error:
            return page({"as_of": request.form.get("as_of", "")}, None, 422, _problems(error))
        values = forms.form_values(profile)
        values["as_of"] = request.form.get("as_of") or dt.date.today().strftime("%d/%m/%Y")
        form = forms.FormData(_flat(values), _lists(values))
        return page(values, evaluate(form, _lang()))

    @app.post("/verdicts")
    def verdicts_partial() -> Any:
        state = evaluate(form_of_request(), _lang())
        return render_template("_verdicts.html", state=state), 200

    @app.post("/download/profile.yaml")
    def download_profile() -> Any:
        state = evaluate(form_of_request(), _lang())
        if state["evaluation"] is None:
            return page(values_of_form(form_of_request()), state, 422)
        profile: Profile = state["profile"]
        text = profile_yaml(profile)
        return attachment(text.encode("utf-8"), f"{profile.commune.insee}-profil.yaml",
                          "application/yaml; charset=utf-8")

    @app.post("/download/verdict.md")
    def download_markdown() -> Any:
        state = evaluate(form_of_request(), _lang())
        if state["evaluation"] is None:
            return page(values_of_form(form_of_request()), state, 422)
        text = library.call(check_markdown, state["evaluation"], _lang())
        return attachment((text + "\n").encode("utf-8"),
                          f"{state['profile'].commune.insee}-verdict.md",
                          "text/markdown; charset=utf-8")

    @app.post("/print")
    def printable() -> Any:
        state = evaluate(form_of_request(), _lang())
        if state["evaluation"] is None:
            return page(values_of_form(form_of_request()), state, 422)
        evaluation = state["evaluation"]  # attached to a council note: say what produced it
        produced = provenance_footer(evaluation.catalog, evaluation.as_of, _lang())
        return render_template("print.html", state=state, printing=True, provenance=produced)

    # --- audit ---------------------------------------------------------------------

    def audit_uploads(uploads: list[FileStorage], options: AuditOptions) -> AuditRun:
        """Write each upload under a temporary folder (names made here), audit, clean up."""
        from eligibility.audit.batch import run_audit

        names: dict[str, str] = {}
        with tempfile.TemporaryDirectory(prefix="eligibility-web-") as folder:
            paths = []
            for index, upload in enumerate(uploads):
                suffix = _suffix(upload)
                if suffix not in (*MATRIX_SUFFIXES, *PROFILE_SUFFIXES):
                    raise InputError("expected CSV, XLSX, YAML or JSON files",
                                     source=_display_name(upload))
                path = Path(folder) / f"upload-{index}{suffix}"
                upload.save(path)
                paths.append(str(path))
                names[str(path)] = _display_name(upload)
            run = library.call(run_audit, catalog, paths, options, 1)
        return renamed(run, names)

    def audit_options() -> AuditOptions:
        from eligibility.audit.findings import AuditOptions

        day = _as_of()
        compare_text = request.values.get("compare", "")
        earlier = forms.parse_day(compare_text, "compare") if compare_text else None
        dropped = []
        for name in request.values.getlist("drop"):
            if name:
                brick = catalog.resolve(name)
                if brick is None:
                    catalog.brick_id(name, source="drop")
                if brick not in dropped:
                    dropped.append(brick)
        return AuditOptions(day, earlier, tuple(b for b in dropped if b))

    @app.get("/audit")
    def audit_page() -> Any:
        return render_template("audit.html", run=None, errors=[], token=None, view=None,
                               values={"as_of": dt.date.today().strftime("%d/%m/%Y")})

    @app.post("/audit")
    def audit_submit() -> Any:
        values = {"as_of": request.form.get("as_of", ""),
                  "compare": request.form.get("compare", ""),
                  "drop": request.form.getlist("drop")}
        uploads = [u for u in request.files.getlist("files") if u.filename]
        try:
            if not uploads:
                raise InputError("choose at least one file (CSV, XLSX, YAML or JSON)",
                                 source="files")
            run = audit_uploads(uploads, audit_options())
        except InputError as error:
            return render_template("audit.html", run=None, errors=_problems(error),
                                   token=None, view=None, values=values), 422
        token = library.keep(run)
        return render_template("audit.html", run=run, errors=[], token=token,
                               view=audit_view(run, _lang()), values=values)

    @app.get("/audit/<token>/report.<fmt>")
    def audit_download(token: str, fmt: str) -> Any:
        from eligibility.reports import audit as audit_reports

        run = library.kept(token)
        lang = _lang()
        stamp = run.as_of.isoformat()
        if fmt == "html":
            text = library.call(audit_reports.audit_html, run, lang)
            return attachment(text.encode("utf-8"), f"audit-{stamp}.html",
                              "text/html; charset=utf-8")
        if fmt == "csv":
            return attachment(excel_csv(library.call(audit_reports.audit_csv, run, lang)),
                              f"audit-{stamp}.csv", "text/csv; charset=utf-8")
        if fmt == "xlsx":
            from eligibility.web.exports import audit_workbook

            return attachment(library.call(audit_workbook, run, lang), f"audit-{stamp}.xlsx",
                              "application/vnd.openxmlformats-officedocument."
                              "spreadsheetml.sheet")
        abort(404)

    # --- rules ---------------------------------------------------------------------

    @app.get("/rules")
    def rules_page() -> Any:
        return render_template("rules.html", overview=rules_overview(catalog, _lang()))

    @app.get("/rules/checks")
    def rules_checks() -> Any:
        summary = library.call(checks_summary, catalog, library.checks_cache, rules)
        return render_template("checks.html", checks=summary)

    @app.get("/rules/graph.svg")
    def graph() -> Any:
        return Response(graph_svg(catalog, _lang()), mimetype="image/svg+xml")

    @app.get("/rules/brick/<brick_id>")
    def brick(brick_id: str) -> Any:
        found = catalog.resolve(brick_id)
        if found is None:
            abort(404, f"unknown brick '{brick_id}'")
        return render_template("brick.html", brick=brick_page(catalog, found, _lang()))

    @app.get("/rules/rule/<rule_id>")
    def rule(rule_id: str) -> Any:
        found = rule_page(catalog, rule_id, _lang())
        if found is None:
            abort(404, f"unknown rule '{rule_id}'")
        return render_template("rule.html", rule=found)

    # --- JSON API ------------------------------------------------------------------

    @app.post("/api/check")
    def api_check() -> Any:
        lang = _lang()
        try:
            day = _as_of()
            # ?brick= chooses what is shown, as --brick does: what is asked for stays the
            # profile's requests (issue 8).
            shown = [catalog.brick_id(b, source="brick")
                     for b in request.args.getlist("brick")] or None
            document = api_document()
        except InputError as error:
            return _error_json(_problems(error), 400)
        try:
            profile = parse_profile(document, catalog, "profile")
        except InputError as error:
            return _error_json(_problems(error), 422)
        evaluation = library.call(check, catalog, profile, day, engine=engine, show=shown)
        return jsonify(library.call(check_json_data, evaluation, lang))

    def api_document() -> Any:
        """The profile of an API request: a JSON body, or a YAML one (``application/yaml``)."""
        raw = request.get_data(cache=False)
        if not raw.strip():
            raise InputError("empty body: expected a profile (JSON, or YAML)", source="body")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError("expected UTF-8 text", source="body") from None
        is_yaml = "yaml" in (request.mimetype or "")
        return parse_document(text, "body", not is_yaml)

    @app.post("/api/audit")
    def api_audit() -> Any:
        from eligibility.reports import audit as audit_reports

        lang = _lang()
        try:
            options = audit_options()
            uploads = [u for u in request.files.getlist("files") if u.filename]
            if uploads:
                run = audit_uploads(uploads, options)
            else:
                run = audit_documents(api_document(), options)
        except InputError as error:
            return _error_json(_problems(error), 400)
        data = library.call(audit_reports.audit_json_data, run, lang)
        status = 422 if run.rejected and not run.communes else 200
        return jsonify(data), status

    def audit_documents(document: Any, options: AuditOptions) -> AuditRun:
        """A JSON list of profiles (or one), audited as profile files would be."""
        items = document if isinstance(document, list) else [document]
        uploads = [FileStorage(io.BytesIO(json.dumps(item).encode()), f"profile-{i + 1}.json")
                   for i, item in enumerate(items)]
        return audit_uploads(uploads, options)

    @app.get("/api/catalog")
    def api_catalog() -> Any:
        return jsonify(catalog_json(catalog, _lang()))

    return app


# --- helpers -------------------------------------------------------------------------

def _flat(values: dict[str, Any]) -> dict[str, str]:
    flat = {k: v for k, v in values.items() if isinstance(v, str)}
    for brick, since in values.get("held", {}).items():
        flat[f"held.{brick}"] = "on"
        flat[f"since.{brick}"] = since
    return flat


def _lists(values: dict[str, Any]) -> dict[str, list[str]]:
    lists = {k: list(v) for k, v in values.items() if isinstance(v, list)}
    return lists


def values_of_form(form: forms.FormData) -> dict[str, Any]:
    """What the form showed, to show it again as typed."""
    values: dict[str, Any] = dict(form.values.items())
    values["vsi.use_cases"] = form.getlist("vsi.use_cases")
    values["requests"] = form.getlist("requests")
    values["held"] = {key.split(".", 1)[1]: form.get(f"since.{key.split('.', 1)[1]}")
                      for key in form.values if key.startswith("held.")}
    return values


def profile_yaml(profile: Profile) -> str:
    """The profile as a YAML file in the order of CONTRACT §2; unknown facts left out."""
    data = profile.model_dump(mode="json", exclude_none=True)
    for key in ("network", "equipment", "authorisations", "urbanisme", "tools", "finances"):
        if not data.get(key):
            data.pop(key, None)
    if not data.get("vsi", {}).get("use_cases"):
        data.pop("vsi", None)
    for key in ("subscriptions", "requests"):
        if not data.get(key):
            data.pop(key, None)
    if data.get("convention") and not data["convention"].get("history"):
        data["convention"].pop("history", None)
    header = ("# Profil de commune (eligibility) — à envoyer à la Direction Numérique\n"
              "# Une information absente est inconnue, jamais « non » ni zéro.\n")
    return header + str(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def attachment(body: bytes, filename: str, mimetype: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


def excel_csv(text: str) -> bytes:
    """The audit CSV as Excel opens it in a French locale: ``;``, CRLF, a UTF-8 BOM, and
    French column names."""
    from eligibility.web.exports import EXCEL_COLUMNS_FR  # the audit modules load lazily

    rows = list(csv.reader(io.StringIO(text)))
    if rows:
        rows[0] = [EXCEL_COLUMNS_FR.get(h, h) for h in rows[0]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def renamed(run: AuditRun, names: dict[str, str]) -> AuditRun:  # noqa: F821
    """The run with the temporary files named as the user named them."""
    def name(text: str) -> str:
        for path, shown in names.items():
            text = text.replace(path, shown)
        return text

    communes = [replace(c, source=name(c.source)) for c in run.communes]
    rejected = [replace(r, source=name(r.source), lines=tuple(name(line) for line in r.lines))
                for r in run.rejected]
    return replace(run, communes=communes, rejected=rejected)




def verdict_words(evaluation: Evaluation, shown: list[BrickExplanation], lang: str,
                  labels: dict[str, str]) -> dict[str, Any]:
    """The words of the verdicts a person reads: titles, plans, missing facts in labels."""
    catalog = evaluation.catalog
    rules = {r.id: r for r in catalog.rules()}
    plans = {}
    for e in shown:
        if e.plan is not None and e.plan.feasible:
            plans[e.brick] = [step_text(step, evaluation, lang) for step in e.plan.steps]
        else:
            plans[e.brick] = list(e.help)
    return {
        "header": render_header(evaluation, lang).split(" · ", 1)[-1],
        "summary": render_summary(evaluation, shown, lang),
        "titles": {e.brick: brick_title(catalog.bricks[e.brick], lang) for e in shown},
        "status_of": {e.brick: e.status for e in shown},
        "missing": {e.brick: [labels.get(m) or fact_label(catalog, m, lang)
                              for m in evaluation.verdicts[e.brick].missing] for e in shown},
        "plans": plans,
        "assumed": {e.brick: [rules[a].short(lang) if a in rules else a for a in e.assumptions]
                    if e.status in ("eligible", "undetermined") else [] for e in shown},
    }


def what_changed(evaluation: Evaluation, previous: str, lang: str,
                 ) -> tuple[dict[str, dict[str, Any]], str]:
    """What changed since the verdicts the page showed before (``previous``, as written
    by the last answer: ``brick=status=failed+rules,…``), and the new such line."""
    before: dict[str, tuple[str, set[str]]] = {}
    for item in previous.split(","):
        parts = item.split("=")
        if len(parts) == 3:
            before[parts[0]] = (parts[1], set(filter(None, parts[2].split("+"))))
    changes: dict[str, dict[str, Any]] = {}
    now = []
    for verdict in evaluation.shown():
        failed = {r.rule for r in verdict.reasons if r.held is not True}
        now.append(f"{verdict.brick}={verdict.status}={'+'.join(sorted(failed))}")
        if verdict.brick not in before:
            continue
        status, was_failed = before[verdict.brick]
        names = {r.rule: short_name(r, evaluation, lang) for r in verdict.reasons}
        met = [names.get(rule, rule) for rule in sorted(was_failed - failed)]
        failing = [names.get(rule, rule) for rule in sorted(failed - was_failed)]
        if status != verdict.status or met or failing:
            changes[verdict.brick] = {"before": status, "after": verdict.status,
                                      "met": met, "failing": failing}
    return changes, ",".join(now)


def quotes_of(catalog: Catalog) -> dict[str, str]:
    """The note's words each rule rests on (rule id -> quote), where the catalog has them."""
    found: dict[str, str] = {}
    for rule in catalog.rules():
        quote = getattr(rule, "quote", None)
        if quote:
            found[rule.id] = quote
    for brick in catalog.bricks.values():
        for requirement in brick.requires:
            quote = getattr(requirement, "quote", None)
            if quote:
                found[requirement.rule_id] = quote
        quote = getattr(brick.availability, "quote", None)
        if quote:
            found[brick.availability_rule.node_id] = quote
    return found


def audit_view(run: AuditRun, lang: str) -> dict[str, Any]:
    """What the audit page shows, from the library's report functions."""
    from eligibility.audit.findings import OPEN
    from eligibility.audit.summary import brick_summaries, cells, totals
    from eligibility.reports import audit as audit_reports
    from eligibility.wording.audit import AuditWording, rule_label

    catalog = run.catalog
    findings = {s: list(run.findings(s)) for s in ("error", "warning", "info")}
    return {
        "codes": audit_reports.brick_codes(catalog),
        "rows": [(c, cells(c, catalog)) for c in run.communes],
        "findings": findings,
        "totals": totals(run),
        "summaries": [(s, None if (top := s.top_reason()) is None else
                       (rule_label(catalog, top[0], lang), top[1])) for s in brick_summaries(run)],
        "cell_words": {k: audit_reports._word(audit_reports.CELL_WORDS, k, lang)
                       for k in audit_reports.SYMBOL},
        "symbol": audit_reports.SYMBOL,
        "words": AuditWording(catalog, lang),  # the findings' sentences
        "opened": [(c, opened) for c in run.communes
                   if (opened := [f for f in c.findings if f.kind == OPEN])],
        "breaks": {c.insee: audit_reports.breaks(c) for c in run.communes
                   if c.dropped is not None},
    }
