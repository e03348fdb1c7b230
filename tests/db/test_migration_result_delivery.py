"""Schema 5 (issue #15): an older database gains the result-delivery choice (its dossiers
read as 'at the office', what every receipt said before) and the gateway catalogue cache."""

from appfixtures import SCHEMA1_SAMPLE

from sadec_desk.bootstrap import open_context
from sadec_desk.config import load_config
from sadec_desk.db.models import Dossier, GatewayProcedure


def test_schema_5_adds_result_delivery_to_old_dossiers():
    path = load_config().sqlite_path
    path.parent.mkdir(parents=True)
    path.write_bytes(SCHEMA1_SAMPLE.read_bytes())
    ctx = open_context(load_config())
    try:
        columns = {c.name for c in ctx.database.get_columns("dossier")}
        assert "result_delivery" in columns
        assert [d.result_delivery for d in Dossier.select()] == ["office"]
        assert GatewayProcedure.select().count() == 0
    finally:
        ctx.close()
