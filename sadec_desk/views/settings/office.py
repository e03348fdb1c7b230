"""The IT tab for the office: its name and agency code, the interface language, the
kiosk's addresses (procedure page, dossier lookup) and the A4 poster of procedure QRs."""

from __future__ import annotations

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.admin import settings
from sadec_desk.views.settings.base import Tab, create_row
from sadec_desk.views.widgets import font, set_entry


class OfficeTab(Tab):
    def __init__(self, parent, shell):
        super().__init__(parent, shell, _("Cơ quan, ngôn ngữ và kiosk"))
        form = ttk.Frame(self)
        form.pack(anchor="w")
        self.office_name = create_row(form, 0, _("Tên cơ quan"), width=50)
        self.agency_code = create_row(form, 2, _("Mã cơ quan (mã định danh QCVN 102:2016)"),
                                            width=50)
        ttk.Button(form, text=_("Lưu cơ quan"), bootstyle="primary",
                   command=self.on_save_office).grid(row=4, column=1, sticky="w", pady=(4, 10))
        ttk.Label(form, text=_("Ngôn ngữ giao diện"), font=font(11)).grid(
            row=5, column=0, sticky="w", pady=(6, 0))
        self.language = ttk.Combobox(form, state="readonly", font=font(11), width=20,
                                     values=list(settings.LANGUAGES.values()))
        self.language.grid(row=5, column=1, sticky="w", pady=(6, 0))
        self.language_button = ttk.Button(form, text=_("Lưu ngôn ngữ"), bootstyle="primary",
                                          command=self.on_save_language)
        self.language_button.grid(row=6, column=1, sticky="w", pady=(4, 10))
        self.procedure_url = create_row(
            form, 7, _("Trang thủ tục trên kiosk ({code} = mã TTHC)"), width=54)
        self.lookup_url = create_row(
            form, 9, _("Trang tra cứu hồ sơ trên biên nhận ({code} = mã hồ sơ)"), width=54)
        ttk.Button(form, text=_("Lưu địa chỉ"), bootstyle="primary",
                   command=self.on_save_urls).grid(row=11, column=1, sticky="w", pady=(4, 0))
        # the A4 poster of procedure QR codes for the service-space table (issue #8)
        self.poster_button = ttk.Button(form, text=_("In poster mã QR (A4)"),
                                        bootstyle="info-outline", command=self.on_poster)
        self.poster_button.grid(row=12, column=1, sticky="w", pady=(4, 0))
        self.submit(settings.general_settings, on_done=self.on_settings)

    def on_settings(self, info) -> None:
        set_entry(self.office_name, info.office_name)
        set_entry(self.agency_code, info.agency_code)
        set_entry(self.procedure_url, info.procedure_url)
        set_entry(self.lookup_url, info.lookup_url)
        codes = list(settings.LANGUAGES)
        self.language.current(codes.index(info.language) if info.language in codes else 0)

    def on_save_office(self) -> None:
        self.submit(settings.save_office, name=self.office_name.get(),
                    agency_code=self.agency_code.get(), on_done=self.on_office_saved)

    def on_office_saved(self, info) -> None:
        self.on_settings(info)
        self.shell.title.configure(text=info.office_name)
        self.ok(_("Đã lưu tên và mã cơ quan."))

    def on_save_language(self) -> None:
        code = list(settings.LANGUAGES)[max(0, self.language.current())]
        self.submit(settings.save_language, code, on_done=self.on_language_saved)

    def on_language_saved(self, info) -> None:
        shell = self.shell
        shell.apply_language(info.language)  # this tab is built again
        shell.message.show(_("Đã lưu ngôn ngữ giao diện."), "ok")

    def on_poster(self) -> None:
        from sadec_desk.services.documents import poster

        self.submit(poster.make_poster, on_done=self.on_poster_made)

    def on_poster_made(self, made) -> None:
        self.ok(_("Đã lưu poster {n} mã QR ({pages} trang A4) tại {path}; mở tệp này để in "
                  "(dán ở bàn «không gian phục vụ»).").format(
                      n=len(made.items), pages=made.pages, path=made.path))

    def on_save_urls(self) -> None:
        self.submit(settings.save_kiosk_urls, procedure_url=self.procedure_url.get(),
                    lookup_url=self.lookup_url.get(),
                    on_done=lambda info: (self.on_settings(info),
                                          self.ok(_("Đã lưu các địa chỉ."))))
