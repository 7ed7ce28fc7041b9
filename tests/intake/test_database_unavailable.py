"""An unreachable database is answered with the translated "try again" page, never a 500."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.exc import InterfaceError, OperationalError

from tests.intake.headers import SECURITY_HEADERS


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT 1", {}, ConnectionRefusedError("the server is down")),
        InterfaceError("SELECT 1", {}, ConnectionResetError("the connection is closed")),
    ],
    ids=["operational", "interface"],
)
def test_database_errors_get_the_busy_page(app: Flask, error: Exception) -> None:
    def failing() -> str:
        raise error

    app.add_url_rule("/test-database-down", "test_database_down", failing)
    response = app.test_client().get("/test-database-down", headers={"Accept-Language": "fr"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert response.headers["Connection"] == "close"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name
    page = response.get_data(as_text=True)
    assert "Ce site ne peut pas enregistrer de signalements pour le moment" in page
    assert "the server is down" not in page and "SELECT" not in page
