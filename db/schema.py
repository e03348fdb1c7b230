"""Every table of the office database, in creation order (foreign keys first).

Feature areas keep their models in their own modules under db/ and add them here,
so that migrations create and upgrade one schema.
"""

from sadec_desk.db.attachment_models import ATTACHMENT_MODELS
from sadec_desk.db.feedback_models import FEEDBACK_MODELS
from sadec_desk.db.models import MODELS as CORE_MODELS
from sadec_desk.db.print_models import PRINT_MODELS
from sadec_desk.db.queue_models import QUEUE_MODELS
from sadec_desk.db.station_models import STATION_MODELS
from sadec_desk.db.sync_models import SYNC_MODELS
from sadec_desk.db.user_models import USER_MODELS

ALL_MODELS = (
    *CORE_MODELS,
    *QUEUE_MODELS,
    *PRINT_MODELS,
    *SYNC_MODELS,
    *FEEDBACK_MODELS,
    *USER_MODELS,
    *ATTACHMENT_MODELS,
    *STATION_MODELS,
)
