"""The socket unit of work (app/core/sockets.py): one commit, emits after it, every failure answered the same way."""
from __future__ import annotations

import pytest
from flask_socketio import ConnectionRefusedError
from sqlalchemy.exc import DBAPIError, OperationalError

from app.accounts.models import User
from app.core.sockets import socket_unit_of_work
from app.core.uow import after_commit
from app.errors import Conflict


def _down():
    return OperationalError("SELECT 1", {}, ConnectionError("server closed the connection unexpectedly"))


def test_the_work_is_committed_once_and_its_queued_calls_run_before_the_answer(db, factory):
    user_id = factory.user("Lê Văn Tư").id
    db.session.commit()
    heard = []

    @socket_unit_of_work
    def handler(data):
        db.session.get(User, user_id).name = data["name"]
        after_commit(lambda: heard.append(db.session.get(User, user_id).name))  # reads after the COMMIT
        assert heard == []
        return {"ok": True}

    assert handler({"name": "Lê Văn Năm"}) == {"ok": True}
    assert heard == ["Lê Văn Năm"]
    assert not db.session().in_transaction(), "the read the queued call made was ended"
    db.session.expire_all()
    assert db.session.get(User, user_id).name == "Lê Văn Năm"


@pytest.mark.parametrize("failure,code", [
    (lambda: Conflict(code="invalid_state"), "invalid_state"),
    (_down, "unavailable"),
    (lambda: DBAPIError("SELECT 1", {}, ConnectionError("gone"), connection_invalidated=True), "unavailable"),
    (lambda: DBAPIError("SELECT 1", {}, ValueError("bad value")), "server_error"),
    (lambda: KeyError("oops"), "server_error"),
])
def test_every_failure_rolls_back_drops_the_queued_calls_and_answers_with_a_code(db, factory, failure, code, caplog):
    user_id = factory.user("Lê Văn Tư").id
    db.session.commit()
    heard = []

    @socket_unit_of_work
    def handler(data=None):
        db.session.get(User, user_id).name = "Không được lưu"
        db.session.flush()
        after_commit(heard.append, "emitted")
        raise failure()

    ack = handler({})
    assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"]
    db.session.expire_all()
    assert heard == [] and db.session.get(User, user_id).name == "Lê Văn Tư"
    if code == "unavailable":
        assert ack["error"]["details"] == {"retry": True}
    if code == "server_error":
        assert "handler failed" in caplog.text  # the unexpected ones are logged with their traceback


def test_a_connect_handler_refuses_with_the_same_bodies(db):
    @socket_unit_of_work(connect=True)
    def on_connect(auth=None):
        raise _down()

    with pytest.raises(ConnectionRefusedError) as refused:
        on_connect({})
    assert "'code': 'unavailable'" in refused.value.error_args["message"]  # the body as the handlers always sent it

    @socket_unit_of_work(connect=True)
    def refuse(auth=None):
        raise ConnectionRefusedError({"code": "mine"})

    with pytest.raises(ConnectionRefusedError) as refused:
        refuse({})
    assert refused.value.error_args["message"] == "{'code': 'mine'}"
