"""The OpenAPI 3.0 document of the JSON API (served at the stable URL /api/openapi.json)."""

_ERROR = {"$ref": "#/components/schemas/Error"}


def _resp(description: str, schema: dict | None = None) -> dict:
    out: dict = {"description": description}
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


_ERRORS = {
    "400": _resp("Invalid input", _ERROR),
    "401": _resp("Not signed in and no valid token", _ERROR),
    "403": _resp("Not allowed for this account", _ERROR),
    "404": _resp("No such round or post", _ERROR),
}
_ROUND = {"name": "round_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_POST = {"name": "post_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CODES = {"type": "array", "items": {"type": "string"}}

OPENAPI = {
    "openapi": "3.0.3",
    "info": {
        "title": "matchapp — 教师轮岗交流双向选择系统 API",
        "version": "1.0.0",
        "description": "Teacher preferences, school rankings, the bureau's run and results. Authenticate with "
        "a bearer token from POST /api/v1/token, or the browser session (unsafe methods then need the "
        "X-CSRFToken header). Teachers see only their own list, schools only their own posts.",
    },
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session"},
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
            },
            "Post": {
                "type": "object",
                "required": ["id", "school", "subject", "seats"],
                "properties": {
                    "id": {"type": "integer"},
                    "school": {"type": "string"},
                    "school_name": {"type": "string"},
                    "tier": {"type": "string", "enum": ["strong", "ordinary", "weak"]},
                    "zone": {"type": "string"},
                    "subject": {"type": "string"},
                    "seats": {"type": "integer", "minimum": 0},
                    "requirements": {
                        "type": "object",
                        "properties": {
                            "min_education": {"type": "string", "nullable": True},
                            "min_title": {"type": "string", "nullable": True},
                            "honours": {"type": "string", "nullable": True},
                            "backbone_seats": {"type": "integer"},
                        },
                    },
                    "unmet": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "For a teacher: why they do not meet the post's requirements "
                        "(empty: they may list it).",
                    },
                    "ranking": {
                        "type": "object",
                        "properties": {
                            "groups": {"type": "array", "items": _CODES},
                            "unacceptable": _CODES,
                            "version": {"type": "integer"},
                            "submitted_at": {"type": "string", "nullable": True},
                        },
                    },
                    "candidates": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "string"},
                                "name": {"type": "string"},
                                "school": {"type": "string"},
                                "title": {"type": "string"},
                                "education": {"type": "string"},
                                "backbone": {"type": "boolean"},
                                "unmet": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                    "description": "Why the candidate does not meet the post's "
                                    "requirements (empty: the post may rank them).",
                                },
                            },
                        },
                    },
                },
            },
            "Job": {
                "type": "object",
                "required": ["job", "state", "progress"],
                "properties": {
                    "job": {"type": "integer"},
                    "kind": {"type": "string"},
                    "state": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
                    "progress": {"type": "integer", "minimum": 0, "maximum": 100},
                    "message": {"type": "string"},
                    "result": {"type": "object", "nullable": True},
                    "status_url": {"type": "string"},
                },
            },
            "Preferences": {
                "type": "object",
                "required": ["round", "teacher", "draft", "submitted"],
                "properties": {
                    "round": {"type": "integer"},
                    "teacher": {"type": "string"},
                    "draft": _CODES,
                    "submitted": _CODES,
                    "submitted_at": {"type": "string", "nullable": True},
                },
            },
        },
    },
    "security": [{"bearer": []}, {"session": []}],
    "paths": {
        "/api/v1/token": {
            "post": {
                "summary": "Exchange a username and password for a bearer token (12 hours)",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "properties": {
                                    "username": {"type": "string"},
                                    "password": {"type": "string"},
                                    "name": {"type": "string", "description": "what the token is for"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _resp(
                        "A token",
                        {
                            "type": "object",
                            "required": ["token"],
                            "properties": {
                                "token": {"type": "string", "description": "shown once; stored only as a digest"},
                                "id": {"type": "integer"},
                                "prefix": {"type": "string"},
                                "expires_in": {"type": "integer"},
                                "role": {"type": "string"},
                            },
                        },
                    ),
                    "400": _ERRORS["400"],
                    "401": _ERRORS["401"],
                    "429": _resp("Too many attempts"),
                },
            },
            "delete": {
                "summary": "Sign the presented bearer token out: it stops working at once",
                "responses": {"204": _resp("Revoked"), "400": _ERRORS["400"], "401": _ERRORS["401"]},
            },
        },
        "/api/v1/tokens": {
            "get": {
                "summary": "The caller's own tokens (never their secrets)",
                "responses": {
                    "200": _resp(
                        "Tokens",
                        {
                            "type": "object",
                            "required": ["tokens"],
                            "properties": {
                                "tokens": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "id": {"type": "integer"},
                                            "prefix": {"type": "string"},
                                            "name": {"type": "string"},
                                            "created_at": {"type": "string"},
                                            "expires_at": {"type": "string"},
                                            "last_used_at": {"type": "string", "nullable": True},
                                            "revoked": {"type": "boolean"},
                                        },
                                    },
                                }
                            },
                        },
                    ),
                    "401": _ERRORS["401"],
                },
            }
        },
        "/api/v1/tokens/{token_id}": {
            "delete": {
                "summary": "Revoke one of the caller's tokens (the bureau: anyone's)",
                "parameters": [{"name": "token_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"204": _resp("Revoked"), "401": _ERRORS["401"], "404": _ERRORS["404"]},
            }
        },
        "/api/v1/rounds/{round_id}/posts": {
            "get": {
                "summary": "Posts: a teacher's subject (not their school), a school's own, or all (bureau)",
                "parameters": [_ROUND],
                "responses": {
                    "200": _resp(
                        "Posts",
                        {
                            "type": "object",
                            "properties": {
                                "round": {"type": "integer"},
                                "state": {"type": "string"},
                                "fair_open": {"type": "boolean"},
                                "posts": {"type": "array", "items": {"$ref": "#/components/schemas/Post"}},
                            },
                        },
                    ),
                    "401": _ERRORS["401"],
                    "403": _ERRORS["403"],
                    "404": _ERRORS["404"],
                },
            }
        },
        "/api/v1/rounds/{round_id}/preferences": {
            "get": {
                "summary": "The signed-in teacher's list (draft and submitted)",
                "parameters": [_ROUND],
                "responses": {
                    "200": _resp("The list", {"$ref": "#/components/schemas/Preferences"}),
                    "401": _ERRORS["401"],
                    "403": _ERRORS["403"],
                    "404": _ERRORS["404"],
                },
            },
            "put": {
                "summary": "Save (and with submit=true, submit) the teacher's ranked schools",
                "parameters": [_ROUND],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["schools"],
                                "properties": {"schools": _CODES, "submit": {"type": "boolean"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": _resp("The saved list", {"$ref": "#/components/schemas/Preferences"}),
                    **_ERRORS,
                    "409": _resp("Refused by the fair's rules or calendar", _ERROR),
                },
            },
        },
        "/api/v1/rounds/{round_id}/posts/{post_id}/ranking": {
            "get": {
                "summary": "A post's candidates and ranking (its school or the bureau)",
                "parameters": [_ROUND, _POST],
                "responses": {
                    "200": _resp("The post", {"$ref": "#/components/schemas/Post"}),
                    "401": _ERRORS["401"],
                    "403": _ERRORS["403"],
                    "404": _ERRORS["404"],
                },
            },
            "put": {
                "summary": "Save a ranking: groups of equals, best first; refused if version is stale",
                "parameters": [_ROUND, _POST],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "groups": {"type": "array", "items": _CODES},
                                    "unacceptable": _CODES,
                                    "version": {"type": "integer"},
                                    "submit": {"type": "boolean"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _resp("The saved ranking", {"$ref": "#/components/schemas/Post"}),
                    **_ERRORS,
                    "409": _resp("Stale version, or refused by the rules", _ERROR),
                },
            },
        },
        "/api/v1/rounds/{round_id}/run": {
            "post": {
                "summary": "Start the matching in the background (bureau); preview=true runs on the current drafts",
                "parameters": [_ROUND],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"type": "object", "properties": {"preview": {"type": "boolean"}}}
                        }
                    }
                },
                "responses": {
                    "202": _resp("The job, queued", {"$ref": "#/components/schemas/Job"}),
                    **_ERRORS,
                    "409": _resp("Not allowed in this state", _ERROR),
                },
            }
        },
        "/api/v1/jobs/{job_id}": {
            "get": {
                "summary": "A background job's state, progress and result",
                "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": _resp("The job", {"$ref": "#/components/schemas/Job"}),
                    "401": _ERRORS["401"],
                    "403": _ERRORS["403"],
                    "404": _ERRORS["404"],
                },
            }
        },
        "/api/v1/rounds/{round_id}/results": {
            "get": {
                "summary": "Placements: all (bureau); after publication, a school's incoming and outgoing "
                "teachers, or a teacher's own placement and its explanation",
                "parameters": [_ROUND],
                "responses": {
                    "200": _resp(
                        "Placements",
                        {
                            "type": "object",
                            "properties": {
                                "round": {"type": "integer"},
                                "state": {"type": "string"},
                                "run": {"type": "integer"},
                                "input_sha256": {"type": "string"},
                                "placements": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "teacher": {"type": "string"},
                                            "name": {"type": "string"},
                                            "subject": {"type": "string"},
                                            "from_school": {"type": "string", "nullable": True},
                                            "school": {"type": "string", "nullable": True},
                                            "how": {"type": "string", "enum": ["matched", "assigned", "unplaced"]},
                                            "preference_rank": {"type": "integer", "nullable": True},
                                            "direction": {
                                                "type": "string",
                                                "enum": ["incoming", "outgoing"],
                                                "description": "schools only",
                                            },
                                        },
                                    },
                                },
                                "explanation": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                    "description": "teachers only: why this result, line by line",
                                },
                            },
                        },
                    ),
                    "401": _ERRORS["401"],
                    "403": _ERRORS["403"],
                    "404": _ERRORS["404"],
                    "409": _resp("Not published yet (schools and teachers)", _ERROR),
                },
            }
        },
    },
}
