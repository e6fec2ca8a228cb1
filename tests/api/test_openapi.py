"""The API's description (/api/v1/openapi.json) and its interactive docs (/api/v1/docs)."""

import re

import pytest

from phones.forms import MAX_TYPED_LENGTH, CodeForm
from phones.models import PhoneNumber
from sms.segments import MAX_CUSTOM_LENGTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def description(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(description):
    for path, methods in description["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def resolve(description, schema):
    """The schema a $ref (or an array of them, or a nullable one) stands for."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return resolve(description, description["components"]["schemas"][name])
    if schema.get("type") == "array":
        return resolve(description, schema["items"])
    if "anyOf" in schema:
        return resolve(description, next(s for s in schema["anyOf"] if s.get("type") != "null"))
    return schema


def test_the_description_lists_every_endpoint_of_the_brief(description):
    assert sorted(name for name, _ in operations(description)) == [
        "DELETE /api/v1/users/me/phone-numbers/{phone_id}",
        "GET /api/v1/sms/test/",
        "GET /api/v1/sms/test/templates",
        "GET /api/v1/sms/test/{test_id}",
        "GET /api/v1/users/me/phone-numbers/",
        "GET /api/v1/users/me/phone-numbers/{phone_id}",
        "PATCH /api/v1/users/me/phone-numbers/{phone_id}",
        "POST /api/v1/sms/test/",
        "POST /api/v1/users/me/phone-numbers/",
        "POST /api/v1/users/me/phone-numbers/{phone_id}/primary",
        "POST /api/v1/users/me/phone-numbers/{phone_id}/send-code",
        "POST /api/v1/users/me/phone-numbers/{phone_id}/verify",
    ]


def test_every_endpoint_has_examples_of_its_input_and_its_answers(description):
    missing = []
    for name, operation in operations(description):
        for parameter in operation.get("parameters", []):
            if "example" not in parameter:
                missing.append(f"{name}: parameter {parameter['name']}")
        if body := operation.get("requestBody"):
            schema = body["content"]["application/json"]["schema"]
            if "examples" not in resolve(description, schema):
                missing.append(f"{name}: request body")
        for status, answer in operation["responses"].items():
            if "content" in answer:
                schema = answer["content"]["application/json"]["schema"]
                if "examples" not in resolve(description, schema):
                    missing.append(f"{name}: {status} answer")
    assert missing == []


def test_the_text_limits_are_the_ones_the_forms_enforce(description):
    schemas = description["components"]["schemas"]

    def limit(schema, field):
        return resolve(description, schemas[schema]["properties"][field])["maxLength"]

    assert limit("AddIn", "number") == MAX_TYPED_LENGTH
    assert limit("AddIn", "label") == PhoneNumber._meta.get_field("label").max_length == 40
    assert limit("LabelIn", "label") == 40
    assert limit("VerifyIn", "code") == CodeForm.base_fields["code"].max_length
    assert limit("TestIn", "message") == MAX_CUSTOM_LENGTH


def test_every_endpoint_needs_a_token_or_the_session(description):
    schemes = description["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    for name, operation in operations(description):
        assert operation["security"] == [{"TokenAuth": []}, {"SessionAuth": []}], name
        assert "401" in operation["responses"], name


def test_the_docs_page_runs_only_our_own_static_scripts_under_the_csp(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    sources = [re.search(r'src="([^"]+)"', attrs) for attrs, _ in scripts]
    executable = [
        (attrs, body) for attrs, body in scripts if 'type="application/json"' not in attrs
    ]
    assert executable, "swagger-ui's scripts"
    for attrs, body in executable:
        assert body.strip() == ""
        assert re.search(r'src="/static/ninja/[\w.-]+\.js"', attrs)
    assert [s.group(1) for s in sources if s] == [
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui-init.js",
    ]
    assert "style=" not in html
    assert "<style" not in html


def test_the_docs_scripts_and_styles_are_served_from_our_static_files(client):
    for path in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        response = client.get(f"/static/ninja/{path}")
        assert response.status_code == 200, path
