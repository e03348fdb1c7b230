"""The gateway adapter and schema 5 on a real PostgreSQL (the office's shared server)."""

import pytest
from appfixtures import Clock, make_ctx
from fakegateway import FakeGateway
from syncfixtures import receive_many

from sadec_desk.db import migrations
from sadec_desk.db.models import Dossier, GatewayProcedure, SchemaVersion
from sadec_desk.sync import engine, state

pytestmark = pytest.mark.postgres

CATALOGUE = {"1.001193": {"TENTTHC": "Đăng ký khai sinh " + "rất dài " * 40,
                          "LINHVUCTHUCHIEN": [{"MALINHVUC": "G09-TP03",
                                               "TENLINHVUC": "Hộ tịch"}]}}


def test_push_and_catalogue_cache_on_postgresql(pg_database):
    fake = FakeGateway("service-in-body", catalogue=CATALOGUE)
    try:
        ctx = make_ctx(Clock(), database__url=pg_database, **fake.settings())
        with ctx.database.atomic():
            state.set_state(ctx, "gateway_password", "mật-khẩu")
        a, b = receive_many(ctx, 2)
        assert engine.run_once(ctx).pushed == 2 and fake.problems == []
        cached = GatewayProcedure.get(GatewayProcedure.code == "1.001193")
        assert len(cached.name) > 255 and cached.field_code == "G09-TP03"
        assert fake.records[Dossier.get(Dossier.uuid == a).code]["TenTTHC"] == cached.name
        ctx.close()
    finally:
        fake.stop()


def test_schema_5_upgrade_on_postgresql(pg_database):
    ctx = make_ctx(Clock(), database__url=pg_database)
    receive_many(ctx, 1)
    db = ctx.database
    # make it the database a schema-4 release left behind
    with db.atomic():
        db.execute_sql("ALTER TABLE dossier DROP COLUMN result_delivery")
        db.execute_sql("DROP TABLE gateway_procedure")
        SchemaVersion.delete().execute()
        SchemaVersion.create(version=4, applied_at=ctx.now(), app_version="old")
    assert migrations.migrate(db) == 4
    assert [d.result_delivery for d in Dossier.select()] == ["office"]
    assert GatewayProcedure.select().count() == 0
    ctx.close()
