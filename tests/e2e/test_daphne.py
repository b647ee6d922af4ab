"""A real daphne process: health, the login page, the socket handshake, in-process jobs."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request

import pytest
import websockets
from django.core.mail import EmailMultiAlternatives

from coordination.organisation.services import token_create
from coordination.platform.mail import mail_queue
from coordination.platform.models import OutboundMail
from tests.conftest import SmtpServer, free_port, wait_for
from tests.factories import OfficialFactory
from tests.processes import same_stack_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_daphne_serves_health_login_and_the_socket(daphne_server, settings):
    host = daphne_server(same_stack_env())
    status, body = get(f"http://{host}/healthz")
    assert status == 200
    assert json.loads(body)["channel_layer"] == "ok"
    status, body = get(f"http://{host}/accounts/login/")
    assert status == 200 and "Masuk ke Rakor" in body

    official = OfficialFactory()
    raw = token_create(official=official, name="e2e")[1]

    async def talk():
        async with websockets.connect(
            f"ws://{host}/ws/", additional_headers={"Authorization": f"Bearer {raw}"}
        ) as ws:
            await ws.send(json.dumps({"type": "ping", "ref": 1}))
            pong = json.loads(await ws.recv())
            await ws.send("{broken")
            error = json.loads(await ws.recv())
            await ws.send(json.dumps({"type": "ping"}))
            again = json.loads(await ws.recv())
            return pong, error, again

    pong, error, again = asyncio.run(talk())
    assert pong == {"type": "pong", "heads": {}, "ref": 1}
    assert error["code"] == "invalid_json"
    assert again["type"] == "pong"

    async def refused(headers):
        try:
            async with websockets.connect(f"ws://{host}/ws/", additional_headers=headers):
                return None
        except websockets.exceptions.InvalidStatus as exc:
            return exc.response.status_code

    assert asyncio.run(refused({})) == 403
    assert asyncio.run(refused({"Origin": "http://evil.example"})) == 403
    assert asyncio.run(refused({"Authorization": "Bearer rkr_nope"})) == 403
    assert asyncio.run(refused({"Origin": f"http://{host}"})) == 403  # anonymous


def test_embedded_daphne_runs_the_workers_jobs_itself(daphne_server):
    """The embedded default (no REDIS_URL, no flags): the jobs start with the server, before
    any request, run in its process, and stop with it on SIGTERM."""
    smtp = SmtpServer(free_port()).start()
    env = same_stack_env(RAKOR_WORKER_POLL_SECONDS="0.2", EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}")
    env.pop("REDIS_URL", None)
    try:
        daphne_server(env, probe_http=False)
        process = daphne_server.processes[0]
        wait_for(
            lambda: "in-process worker" in process.output() and "started" in process.output(),
            what="the in-process worker to start with daphne",
        )
        message = EmailMultiAlternatives("Rapat koordinasi", "Isi", to=["dewi@example.test"])
        [mail] = mail_queue(message)
        wait_for(lambda: smtp.messages, timeout=20, what="the daphne process to send the mail")
        assert smtp.messages[0]["Subject"] == "Rapat koordinasi"
        assert wait_for(
            lambda: OutboundMail.objects.get(pk=mail.pk).state == "sent", what="mail sent"
        )
        assert f"mail {mail.pk} sent to dewi@example.test" in process.output()
        assert "GET /" not in process.output()  # no request was needed to start the jobs
        assert process.terminate() == 0
        assert re.search(r"in-process worker \S+ stopped", process.output())
    finally:
        smtp.stop()
