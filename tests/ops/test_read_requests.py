"""On PostgreSQL, GET requests read without a transaction around them (no BEGIN and ROLLBACK round
trips); everything else, and rendering mail inside a POST, stays transactional."""

import pytest
from flask import current_app, jsonify
from psycopg.pq import TransactionStatus
from sqlalchemy import func, select, text

from learnhub.extensions import db
from learnhub.people.models import Municipality


@pytest.fixture
def probed_app(make_app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("autocommit reads are a PostgreSQL optimisation")
    app = make_app()

    def probe():
        db.session.execute(text("SELECT 1"))
        return jsonify(status=db.session.connection().connection.dbapi_connection.info.transaction_status.name)

    def write_after_nested_context():
        # As mail rendering does: a GET-like request context opens before the POST's first statement.
        with current_app.test_request_context(base_url="http://example.org"):
            db.session.add(Municipality(name="Probe", country="RS"))
            db.session.flush()
        db.session.rollback()  # a transaction would take the row back; autocommit would have kept it
        return jsonify(rows=db.session.scalar(select(func.count()).select_from(Municipality)
                                              .where(Municipality.name == "Probe")))

    app.add_url_rule("/probe", view_func=probe, methods=["GET", "POST"])
    app.add_url_rule("/probe/write", view_func=write_after_nested_context, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_a_get_reads_outside_a_transaction_and_a_post_inside_one(probed_app):
    client = probed_app.test_client()
    assert client.get("/probe").json["status"] == TransactionStatus.IDLE.name
    assert client.post("/probe").json["status"] == TransactionStatus.INTRANS.name
    assert client.get("/probe").json["status"] == TransactionStatus.IDLE.name  # pooled connection reset


def test_a_nested_request_context_never_makes_a_posts_writes_autocommit(probed_app):
    assert probed_app.test_client().post("/probe/write").json["rows"] == 0
