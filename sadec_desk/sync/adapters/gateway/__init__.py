"""The provincial gateway (LGSP) adapter: DongBoHoSoMC / CapNhatTienDoHoSoMC as the
public clients that really talk to provincial gateways send them (gateway-facts.md;
docs/sync.md "Kết nối LGSP / DVCQG").

- session.py: the three envelopes, the login session, lenient answers;
- records.py: the record and progress entries, national codes, dates;
- catalogue.py: TenTTHC / MaLinhVuc / TenLinhVuc from the gateway's LayThuTuc, cached;
- adapter.py: :class:`GatewayAdapter`, the outbox pushed op by op;
- check.py: ``sadec-desk sync gateway-check`` (login, LayThuTuc, TraCuuHoSo).
"""

from sadec_desk.sync.adapters.gateway.adapter import GatewayAdapter
from sadec_desk.sync.adapters.gateway.records import gateway_date

__all__ = ["GatewayAdapter", "gateway_date"]
