# Layout
site-name = MedicalEdu
skip-to-content = Zum Inhalt springen
nav-courses = Kurse
nav-dashboard = Mein Lernen
nav-sign-in = Anmelden
nav-sign-up = Registrieren
nav-sign-out = Abmelden
nav-main = Hauptmenü
notifications-short = Benachrichtigungen
notifications-unread = ({ $count } ungelesen)
footer-tagline = Medizinische Fortbildung, quelloffen.
footer-api = API-Referenz

# Home
home-title = Von Ärztinnen, Pflegenden und Lehrenden lernen – im eigenen Tempo und live
home-lead = Kurse und Live-Termine mit Fortbildungspunkten.
home-search-label = Kurse durchsuchen
home-search-button = Suchen
home-newest = Neueste Kurse
home-popular = Am beliebtesten
home-categories = Kategorien
home-browse-all = Alle Kurse ansehen

# Catalog
catalog-title = Kurse
catalog-search-label = Kurse durchsuchen
catalog-search-button = Suchen
catalog-filters = Filter
catalog-category = Kategorie
catalog-specialty = Fachgebiet
catalog-level = Niveau
catalog-language = Sprache
catalog-price = Preis
catalog-any = Alle
catalog-free = Kostenlos
catalog-paid = Kostenpflichtig
catalog-min-rating = Mindestbewertung
catalog-sort = Sortieren nach
catalog-sort-newest = Neueste
catalog-sort-rating = Bewertung
catalog-sort-price = Preis
catalog-sort-popularity = Beliebtheit
catalog-apply = Filter anwenden
catalog-next = Nächste Seite
catalog-empty = Kein Kurs passt. Versuchen Sie weniger Wörter oder Filter.
catalog-results = { $count ->
    [one] Ein Kurs auf dieser Seite
   *[other] { $count } Kurse auf dieser Seite
}
level-beginner = Einsteiger
level-intermediate = Fortgeschritten
level-advanced = Experte
rating-none = Noch nicht bewertet
rating-value = { $rating } von 5 ({ $count ->
    [one] 1 Bewertung
   *[other] { $count } Bewertungen
})
price-free = Kostenlos
cme-hours = { $hours } CME-Stunden
by-instructor = von { $name }

# Course page
course-instructor = Lehrende Person
course-about = Über diesen Kurs
course-materials = Kursmaterialien
course-preview = Vorschau
course-required = Pflicht
course-sessions = Live-Termine der nächsten vier Wochen
course-no-sessions = In den nächsten vier Wochen sind keine Live-Termine geplant.
course-seats-left = { $count ->
    [one] Ein Platz frei
   *[other] { $count } Plätze frei
}
course-book = Buchen
course-book-label = Den Termin am { $when } buchen
course-enroll = Einschreiben
course-enrolled = Sie sind eingeschrieben.
course-continue = Weiterlernen
course-reviews = Bewertungen und Rezensionen
course-no-reviews = Noch keine Rezensionen.
course-level = Niveau
course-language = Sprache
course-price = Preis
course-category = Kategorie
course-specialty = Fachgebiet
times-in-zone = Zeiten in { $zone }.

# Sign-in and sign-up
signin-title = Anmelden
signup-title = Konto anlegen
field-email = E-Mail
field-password = Passwort
field-full-name = Vollständiger Name
signup-role = Ich nehme teil als
signup-student = Ich bin Lernende(r)
signup-instructor = Ich bin Lehrende(r)
signup-submit = Konto anlegen
signin-submit = Anmelden
signin-no-account = Neu hier?
signup-have-account = Schon ein Konto?
password-hint = Mindestens 10 Zeichen; keine gängigen Passwörter.
signin-invalid = E-Mail oder Passwort stimmen nicht.
signin-locked = Zu viele Fehlversuche: Das Konto ist gesperrt. Versuchen Sie es in { $minutes } Minuten erneut.
signin-rate-limited = Zu viele Versuche aus Ihrem Netz. Warten Sie eine Minute.
signin-suspended = Dieses Konto ist gesperrt. Wenden Sie sich an die Administration.
signed-out = Sie sind abgemeldet.

# Errors
error-title-404 = Seite nicht gefunden
error-text-404 = Unter dieser Adresse gibt es nichts. Vielleicht ist sie umgezogen oder der Link ist falsch.
error-title-403 = Nicht erlaubt
error-text-403 = Ihr Konto darf diese Seite nicht öffnen.
error-title-500 = Etwas ist schiefgegangen
error-text-500 = Die Seite konnte nicht angezeigt werden. Bitte versuchen Sie es erneut; wenn es wieder passiert, nennen Sie uns diese Referenz:
error-title-503 = Vorübergehend nicht verfügbar
error-text-503 = MedicalEdu erreicht seine Datenbank gerade nicht. Bitte versuchen Sie es gleich noch einmal.
error-title-csrf = Das Formular ist abgelaufen
error-text-csrf = Zu Ihrer Sicherheit wurde das Formular nicht angenommen. Gehen Sie zurück, laden Sie die Seite neu und senden Sie es erneut.
error-title-400 = Diese Anfrage war nicht lesbar
error-text-400 = Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es erneut.
error-home = Zur Startseite
error-reference = Referenz
form-errors = Bitte korrigieren Sie die markierten Felder.

# Field errors, by the code the use case gives
field-error-required = Bitte ausfüllen.
field-error-invalid = Das ist nicht gültig.
field-error-too_short = Das ist zu kurz.
field-error-too_long = Das ist zu lang.
field-error-too_common = Dieses Passwort ist zu verbreitet; wählen Sie ein anderes.
field-error-email_taken = Mit dieser E-Mail gibt es schon ein Konto.

# Booking
book-title = Termin buchen
book-when = Wann
book-discount = Rabatt
book-total = Gesamt
book-promo = Gutscheincode
book-promo-unknown = Diesen Gutscheincode gibt es nicht.
book-apply = Anwenden
book-promo-applied = Code { $code } angewendet: Sie zahlen { $total }.
book-confirm = Buchung bestätigen
book-pay-with = Bezahlen
pay-manual = Vor Ort / auf Rechnung zahlen
pay-stripe = Mit Karte zahlen
pay-paypal = Mit PayPal zahlen
card-title = Mit Karte zahlen
card-pay = { $amount } zahlen
card-busy = Zahlung läuft…
card-needs-js = Die Kartenzahlung braucht JavaScript für das sichere Kartenformular von Stripe. Schalten Sie es ein, oder zahlen Sie unten vor Ort / auf Rechnung.
card-unavailable = Kartenzahlungen sind gerade nicht möglich. Versuchen Sie es in einigen Minuten wieder, oder zahlen Sie vor Ort / auf Rechnung.
card-back = Zurück zur Buchung
paypal-title = Mit PayPal zahlen
paypal-needs-js = Die PayPal-Schaltflächen brauchen JavaScript. Schalten Sie es ein, oder zahlen Sie unten vor Ort / auf Rechnung.
paypal-not-payable = Diese Buchung wartet nicht mehr auf eine Zahlung.
paypal-not-approved = PayPal hat Ihre Freigabe noch nicht bestätigt. Bitte versuchen Sie es noch einmal.
paypal-unavailable = PayPal ist gerade nicht erreichbar. Versuchen Sie es in einigen Minuten wieder, oder zahlen Sie vor Ort / auf Rechnung.
paypal-failed = Die PayPal-Zahlung hat nicht geklappt. Versuchen Sie es noch einmal, oder zahlen Sie vor Ort / auf Rechnung.
book-full = Für diesen Termin sind keine Plätze mehr frei.
book-already = Sie haben diesen Termin bereits gebucht.
book-too-late = Die Buchung für diesen Termin ist geschlossen.
book-not-open = Dieser Termin ist nicht buchbar.
book-students-only = Nur Lernende buchen Termine.
booking-confirmed-title = Ihr Termin ist gebucht
booking-pending-title = Zahlung ausstehend
booking-other-title = Buchung
booking-confirmed = Bestätigt. Sie finden ihn unter Ihren nächsten Terminen.
booking-pending = Ihr Platz ist bis { $until } reserviert (noch { $minutes } Minuten). Er wird bestätigt, sobald die Zahlung eingeht.
booking-pending-manual = Ihr Platz ist bis { $until } reserviert. Zahlen Sie vor Ort oder auf Rechnung; er wird bestätigt, sobald die Zahlung erfasst ist.
booking-status = Status: { $status }
booking-refresh = Aktualisieren
status-pending = Zahlung ausstehend
status-confirmed = bestätigt
status-cancelled = storniert
status-completed = teilgenommen
status-no_show = verpasst
status-expired = abgelaufen

# Cancelling
cancel-title = Diese Buchung stornieren?
cancel-confirm = Buchung stornieren
cancel-keep = Behalten
cancel-nothing-paid = Es wurde nichts bezahlt, also wird nichts erstattet. Der Platz wird freigegeben.
cancel-refunded = Sie stornieren früh genug: Die Zahlung von { $amount } wird vollständig erstattet.
cancel-not-refunded = Der Termin beginnt innerhalb der Erstattungsfrist: Die Zahlung von { $amount } wird nicht erstattet.

# Dashboard
dashboard-upcoming = Nächste Termine
dashboard-no-upcoming = Keine anstehenden Termine.
dashboard-past = Vergangene Termine
dashboard-no-past = Noch keine vergangenen Termine.
dashboard-courses = Meine Kurse
dashboard-no-courses = Sie sind noch in keinem Kurs eingeschrieben.
dashboard-join = Am Termin teilnehmen
dashboard-pay-now = Jetzt bezahlen
dashboard-cancel = Stornieren
dashboard-cancel-label = Die Buchung von { $course } am { $when } stornieren
dashboard-hold = reserviert bis { $until }
dashboard-progress = { $percent } % abgeschlossen

# Inbox
inbox-mark-all = Alle als gelesen markieren
inbox-empty = Noch keine Benachrichtigungen.
inbox-new = Neu

# Account pages: profile, password, sessions, notification settings, calendar feed
nav-account = Konto
account-title = Konto
account-nav = Kontoeinstellungen
account-link-profile = Profil und Passwort
account-profile = Profil
account-phone = Telefon
account-phone-hint = In internationaler Form, z. B. +49 30 1234567. Nötig für SMS.
account-timezone = Zeitzone
account-timezone-hint = Zeiten werden in dieser Zone angezeigt, z. B. Europe/Berlin.
account-language = Sprache
account-professional = Berufsprofil
account-headline = Kurzbeschreibung
account-specialty = Fachgebiet
account-credentials = Qualifikationen
account-bio = Über mich
account-save = Speichern
account-saved = Ihr Profil ist gespeichert.
account-password = Passwort
account-current-password = Aktuelles Passwort
account-new-password = Neues Passwort
account-change-password = Passwort ändern
account-password-note = Eine Passwortänderung meldet Ihre anderen Sitzungen ab und beendet Ihren Kalender-Feed.
account-password-changed = Ihr Passwort ist geändert. Ihre anderen Sitzungen wurden abgemeldet.
account-password-locked = Zu viele falsche Passwörter: Dieses Konto ist gesperrt. Versuchen Sie es in { $minutes } Minuten erneut.
field-error-incorrect = Das ist nicht Ihr aktuelles Passwort.
field-error-not_allowed = Nur Lehrende haben ein Berufsprofil.
sessions-title = Anmeldungen
sessions-lead = Wo Ihr Konto gerade angemeldet ist. Melden Sie jede Sitzung ab, die Sie nicht kennen, und ändern Sie Ihr Passwort.
sessions-this-device = Dieses Gerät
sessions-unknown-device = Unbekanntes Gerät
sessions-unknown-ip = unbekannt
sessions-ip = IP-Adresse
sessions-last-seen = Zuletzt aktiv
sessions-sign-out = Abmelden
sessions-sign-out-label = Abmelden: { $device }, zuletzt aktiv { $when }
prefs-title = Benachrichtigungseinstellungen
prefs-lead = Wählen Sie, wo Sie jede Art von Benachrichtigung erreicht. SMS brauchen eine Telefonnummer in Ihrem Profil; Sicherheitshinweise erscheinen immer in Ihrem Posteingang.
prefs-kind = Benachrichtigung
prefs-checkbox = { $channel } bei { $kind }
prefs-save = Einstellungen speichern
prefs-saved = Ihre Benachrichtigungseinstellungen sind gespeichert.
field-error-phone_required = Für SMS brauchen Sie zuerst eine Telefonnummer in Ihrem Profil.
field-error-in_app_required = Sicherheitshinweise erscheinen immer in Ihrem Posteingang.
channel-email = E-Mail
channel-sms = SMS
channel-push = Push
channel-in_app = In der App
kind-booking-confirmed = Sitzung gebucht
kind-booking-cancelled = Buchung storniert
kind-booking-rescheduled = Sitzung verlegt
kind-booking-expired = Reservierung abgelaufen
kind-booking-reminder = Erinnerung an eine Sitzung
kind-slot-cancelled = Sitzung von der Lehrkraft abgesagt
kind-payment-succeeded = Zahlung eingegangen
kind-payment-failed = Zahlung fehlgeschlagen
kind-payment-refunded = Zahlung erstattet
kind-course-completed = Kurs abgeschlossen
kind-account-locked = Konto gesperrt
kind-account-password_changed = Passwort geändert
kind-session-new_device = Neue Anmeldung
feed-title = Im Kalender abonnieren
feed-lead = Ihre Sitzungen in Ihrer Kalender-App, immer aktuell. Eine neue Adresse beendet die alte.
feed-create = Feed-Adresse erstellen
feed-stop = Feed beenden
feed-url = Feed-Adresse
feed-url-hint = Kopieren Sie sie jetzt in Ihre Kalender-App: Sie wird nur einmal angezeigt. Wer sie hat, sieht Ihre Sitzungen.
feed-stopped = Der Kalender-Feed ist beendet; seine Adresse funktioniert nicht mehr.
# Learning, ratings and rescheduling
learn-kind-video = Video
learn-kind-document = Dokument
learn-kind-article = Artikel
learn-kind-quiz = Quiz
learn-kind-link = Link
learn-position = Material { $number } von { $total }
learn-pager = Kursmaterialien
learn-previous = Zurück
learn-next = Weiter
learn-previous-label = Zurück: { $title }
learn-next-label = Weiter: { $title }
learn-open = Material öffnen
learn-nothing = Dieses Material kann hier nicht angezeigt werden.
learn-complete = Als erledigt markieren
learn-done = Sie haben dieses Material abgeschlossen.
learn-course-complete = Sie haben diesen Kurs abgeschlossen: Alle Pflichtmaterialien sind erledigt.
rate-course-legend = Ihre Bewertung
rate-instructor-legend = Ihre Bewertung der Lehrkraft
rate-review = Rezension
rate-instructor-review = Rezension der Lehrkraft
rate-course = Diesen Kurs bewerten
rate-instructor = Die Lehrkraft bewerten
rate-stars = { $count ->
    [one] 1 Stern
   *[other] { $count } Sterne
}
rate-choose = Wählen Sie 1 bis 5 Sterne.
rate-course-not-eligible = Nur in diesem Kurs eingeschriebene Studierende können ihn bewerten.
rate-instructor-not-eligible = Sie können die Lehrkraft bewerten, nachdem Sie an einer ihrer Sitzungen teilgenommen haben.
rate-try-again = Ihre Bewertung wurde gleichzeitig anderswo geändert; bitte senden Sie sie erneut.
dashboard-reschedule = Verschieben
dashboard-reschedule-label = Die Buchung von { $course } am { $when } verschieben
reschedule-title = Zu einer anderen Sitzung wechseln
reschedule-choices = Sitzungen, zu denen Sie wechseln können
reschedule-none = Keine andere Sitzung dieses Kurses zum gleichen Preis ist buchbar.
reschedule-move = Hierher wechseln
reschedule-move-label = Hierher wechseln: die Sitzung am { $when }
reschedule-keep = Meine Sitzung behalten
reschedule-too-late = Ihre Sitzung beginnt zu bald, um sie zu verschieben, oder die neue.
reschedule-limit = { $max ->
    [one] Eine Buchung kann nur einmal verschoben werden, und diese wurde bereits verschoben.
   *[other] Eine Buchung kann höchstens { $max }-mal verschoben werden, und diese wurde schon so oft verschoben.
}
reschedule-not-live = Diese Buchung hält keinen Platz mehr; es gibt nichts zu verschieben.
reschedule-price-differs = Diese Sitzung hat einen anderen Preis; eine Buchung wechselt nur zu einer Sitzung mit gleichem Preis.
reschedule-full = In dieser Sitzung sind keine Plätze mehr frei.
reschedule-not-open = Diese Sitzung ist nicht mehr buchbar.
reschedule-already = Sie haben für diese Sitzung bereits eine Buchung.
reschedule-not-this-course = Das ist keine andere Sitzung dieses Kurses.

# Two-factor authentication
two-factor-title = Zwei-Faktor-Authentifizierung
two-factor-lead = Neben Ihrem Passwort fragt die Anmeldung nach einem sechsstelligen Code aus einer Authenticator-App auf Ihrem Telefon (etwa FreeOTP, Aegis oder Google Authenticator).
two-factor-required = Administrationskonten müssen die Zwei-Faktor-Authentifizierung nutzen. Richten Sie sie ein, um fortzufahren.
two-factor-off = Die Zwei-Faktor-Authentifizierung ist aus.
two-factor-set-up = Einrichten
two-factor-setup-title = Authenticator-App einrichten
two-factor-setup-lead = Scannen Sie diesen QR-Code mit Ihrer Authenticator-App und geben Sie dann den sechsstelligen Code ein, den sie anzeigt.
two-factor-qr-label = QR-Code zum Scannen mit Ihrer Authenticator-App
two-factor-secret-lead = Scannen geht nicht? Geben Sie stattdessen diesen Schlüssel in der App ein:
two-factor-confirm = Bestätigen
two-factor-start-again = Mit neuem Schlüssel neu beginnen
two-factor-on = Die Zwei-Faktor-Authentifizierung ist an seit { $when }.
two-factor-codes-left = Verbleibende Wiederherstellungscodes: { $count }
two-factor-recovery-title = Ihre Wiederherstellungscodes
two-factor-recovery-lead = Jeder Code meldet Sie einmal an, falls Sie Ihr Telefon verlieren. Bewahren Sie sie sicher auf: Sie werden nur jetzt angezeigt.
two-factor-recovery-done = Ich habe meine Wiederherstellungscodes gesichert
two-factor-new-codes = Neue Wiederherstellungscodes
two-factor-new-codes-lead = Neue Codes ersetzen die alten, die dann nicht mehr gelten.
two-factor-turn-off = Ausschalten
two-factor-turn-off-lead = Die Anmeldung fragt dann wieder nur nach Ihrem Passwort.
two-factor-turned-off = Die Zwei-Faktor-Authentifizierung ist aus.
two-factor-enabled = Die Zwei-Faktor-Authentifizierung ist an.
field-code = Code
field-error-wrong_code = Das ist nicht der Code, den Ihre App gerade anzeigt.
signin-code-title = Code eingeben
signin-code-lead = Öffnen Sie Ihre Authenticator-App und geben Sie den sechsstelligen Code für MedicalEdu ein.
signin-code-hint = Telefon verloren? Geben Sie stattdessen einen Ihrer Wiederherstellungscodes ein.
signin-code-submit = Prüfen
signin-code-wrong = Dieser Code stimmt nicht. Geben Sie den aktuellen Code aus Ihrer App oder einen Wiederherstellungscode ein.
signin-code-expired = Diese Anmeldung hat zu lange gedauert oder ist schon abgeschlossen. Melden Sie sich erneut an.
signin-code-restart = Neu beginnen

# Administration
nav-admin = Verwaltung
admin-title = Verwaltung
admin-nav = Bereiche der Verwaltung
admin-users-title = Konten
admin-users-lead = Konten finden, Rollen ändern, sperren und nach Fehlversuchen gesperrte Konten entsperren.
admin-payments-title = Zahlungen
admin-payments-lead = Zahlungen und Erstattungen nach Status, Anbieter, Währung und Datum; erstatten oder eine manuelle Zahlung als bezahlt markieren.
admin-outbox-title = Benachrichtigungs-Ausgang
admin-outbox-lead = Benachrichtigungen auf allen Kanälen; fehlgeschlagene erneut senden.
admin-audit-title = Prüfprotokoll
admin-audit-lead = Wer hat was wann geändert, mit allen Änderungen; als CSV herunterladen.
admin-schema = Schema-Ansicht
admin-schema-lead = Das aktuelle Datenbankschema als interaktives Diagramm.
admin-back = Zurück
admin-none = Nichts gefunden.
admin-filter-any = Alle
admin-filter-apply = Filtern
admin-filter-search = Name oder E-Mail
admin-filter-role = Rolle
admin-filter-status = Status
admin-filter-provider = Anbieter
admin-filter-currency = Währung
admin-filter-from = Von
admin-filter-to = Bis
admin-filter-channel = Kanal
admin-filter-kind = Art
admin-filter-actor = Handelnde Person
admin-filter-entity-type = Objektart
admin-filter-entity-id = Objekt-ID
admin-filter-action = Aktion
admin-bad-date = { $field } muss ein Datum sein (JJJJ-MM-TT).
admin-users-filter = Konten filtern
admin-payments-filter = Zahlungen filtern
admin-outbox-filter = Benachrichtigungen filtern
admin-audit-filter = Prüfprotokoll filtern
admin-col-name = Name
admin-col-email = E-Mail
admin-col-since = Mitglied seit
admin-col-when = Wann
admin-col-kind = Art
admin-col-amount = Betrag
admin-col-refunded = Erstattet
admin-col-attempts = Versuche
admin-col-error = Letzter Fehler
admin-locked = gesperrt
role-student = Lernende
role-instructor = Lehrende
role-admin = Verwaltung
user-status-active = Aktiv
user-status-suspended = Gesperrt
admin-user-account = Konto
admin-user-actions = Aktionen
admin-user-failed-attempts = Fehlgeschlagene Anmeldungen in Folge
admin-user-locked-until = Gesperrt bis
admin-user-last-login = Letzte Anmeldung
admin-unlock = Entsperren
admin-unlock-hint = Hebt die Sperre nach Fehlversuchen auf und setzt den Zähler zurück.
admin-change-role = Rolle ändern
admin-suspend = Sperren…
admin-reactivate = Wieder freischalten
admin-suspend-title = Ein Konto sperren
admin-suspend-heading = { $name } sperren?
admin-suspend-consequence = Die Person wird sofort auf allen Geräten abgemeldet, kann sich bis zur Freischaltung nicht anmelden, und ihr Kalender-Link funktioniert nie wieder.
admin-suspend-confirm = Konto sperren
admin-user-done-unlocked = Das Konto ist entsperrt: die Person kann sich wieder anmelden.
admin-user-done-role = Die Rolle ist geändert.
admin-user-done-suspended = Das Konto ist gesperrt und überall abgemeldet.
admin-user-done-reactivated = Das Konto ist wieder aktiv.
admin-user-devices = Angemeldet auf
admin-user-no-devices = Nirgends angemeldet.
admin-user-bookings = Neueste Buchungen
admin-user-bookings-taught = Neueste Buchungen ihrer Termine
admin-col-device = Gerät
admin-col-ip = Adresse
admin-col-signed-in = Angemeldet
admin-col-last-seen = Zuletzt gesehen
admin-col-session = Termin
admin-user-trail = Prüfspur
admin-user-trail-all = Die ganze Spur
admin-user-as-actor = Was dieses Konto getan hat
payment-status-pending = Offen
payment-status-requires_action = Wartet auf die zahlende Person
payment-status-succeeded = Erfolgreich
payment-status-failed = Fehlgeschlagen
payment-status-cancelled = Storniert
payment-provider-stripe = Stripe (Karte)
payment-provider-paypal = PayPal
payment-provider-manual = Manuell (vor Ort, Überweisung)
payment-kind-charge = Zahlung
payment-kind-refund = Erstattung
admin-payment-title = Zahlung
admin-payment-booking = Buchung
admin-payment-failure = Warum sie fehlschlug
admin-payment-refunds = Erstattungen
admin-payment-audit = Diese Zahlung im Prüfprotokoll
admin-payment-nothing = Nichts zu tun: nur eine erfolgreiche Zahlung kann erstattet und nur eine offene manuelle Zahlung als bezahlt markiert werden.
admin-refund = Erstatten
admin-refund-left = Noch erstattbar
admin-refund-amount = Betrag
admin-refund-reason = Grund
admin-refund-amount-zero = Geben Sie einen Betrag über null ein.
admin-refund-reason-required = Nennen Sie den Grund: die lernende Person wird benachrichtigt.
admin-refund-exceeds = Das ist mehr, als von dieser Zahlung noch erstattet werden kann.
admin-refund-confirm-title = Erstattung bestätigen
admin-refund-confirm-heading = { $amount } von { $charge } erstatten?
admin-refund-confirm-consequence = Das Geld geht über { $provider } an die zahlende Person zurück und kann nicht zurückgeholt werden; die lernende Person wird benachrichtigt, und die Erstattung steht im Prüfprotokoll.
admin-refund-confirm = Erstattung bestätigen
admin-payment-done-refunded = Die Erstattung ist erfasst.
admin-mark-paid = Als bezahlt markieren
admin-mark-paid-title = Zahlung als bezahlt markieren
admin-mark-paid-heading = { $amount } als erhalten markieren?
admin-mark-paid-consequence = Nur wenn das Geld angekommen ist: die Buchung wird bestätigt und die lernende Person benachrichtigt.
admin-payment-done-paid = Die Zahlung ist als bezahlt markiert und die Buchung bestätigt.
notification-status-queued = In der Warteschlange
notification-status-sending = Wird gesendet
notification-status-sent = Gesendet
notification-status-failed = Fehlgeschlagen
notification-status-cancelled = Verworfen
admin-outbox-retry = Erneut senden
admin-outbox-retry-label = „{ $title }“ erneut senden
admin-outbox-retried = Die Benachrichtigung steht wieder in der Warteschlange, mit neuen Versuchen.
admin-audit-system = das System
admin-audit-csv = Als CSV herunterladen
admin-audit-field = Feld
admin-audit-before = Vorher
admin-audit-after = Nachher

## Seiten für Lehrende
nav-teach = Lehre
teach-title = Lehre
teach-nav = Seiten für Lehrende
teach-schedule = Terminplan
teach-new-course = Neuer Kurs
teach-new-session = Neuer Termin
teach-my-courses = Meine Kurse
teach-no-courses = Sie haben noch keine Kurse.
teach-next-sessions = Meine nächsten Termine
teach-no-sessions = Keine Termine in den nächsten vier Wochen.
teach-times-in = Zeiten in { $zone }, der Zeitzone Ihres Profils.
teach-seats = { $booked } von { $capacity } Plätzen gebucht
teach-roster = Teilnehmerliste
teach-col-course = Kurs
teach-col-status = Status
teach-col-enrollments = Einschreibungen
teach-col-rating = Bewertung
teach-col-revenue = Umsatz im { $month }
teach-no-rating = Noch nicht bewertet
teach-rating = { $rating } ({ $count ->
    [one] 1 Bewertung
   *[other] { $count } Bewertungen
})
teach-no-revenue = Noch keiner
teach-course-deleted = Der Kurs wurde gelöscht.
course-status-draft = Entwurf
course-status-published = Veröffentlicht
course-status-archived = Archiviert
teach-edit-heading = „{ $title }“ bearbeiten
teach-status = Status
teach-public-page = Seine öffentliche Seite
teach-publish = Veröffentlichen
teach-archive = Archivieren
teach-delete = Löschen…
teach-course-title = Titel
teach-slug = Kurzname
teach-slug-hint = Die Adresse des Kurses: /courses/kurzname. Kleinbuchstaben, Ziffern und Bindestriche.
teach-summary = Zusammenfassung
teach-description = Beschreibung
teach-description-hint = Markdown: **fett**, *kursiv*, Listen, Links und Tabellen. „Vorschau“ zeigt sie so, wie Lernende sie sehen.
teach-preview-heading = Vorschau der Beschreibung
teach-category = Kategorie
teach-specialty = Fachgebiet
teach-tags = Schlagwörter
teach-tags-hint = Durch Kommas getrennt.
teach-level = Niveau
teach-language = Sprache
teach-price = Preis
teach-price-hint = In der Währung darunter, z. B. 49.00; 0 macht den Kurs kostenlos.
teach-currency = Währung
teach-cme = CME-Punkte (Stunden)
teach-cme-hint = Zum Beispiel 1.5; leer lassen, wenn der Kurs keine vergibt.
teach-save = Speichern
teach-preview = Vorschau
teach-saved = Gespeichert.
teach-published = Veröffentlicht: Der Kurs steht im Katalog.
teach-archived = Archiviert: Der Kurs ist nicht mehr im Katalog; Eingeschriebene behalten den Zugang.
teach-publish-no-materials = Dieser Kurs kann noch nicht veröffentlicht werden: Er braucht mindestens ein Pflichtmaterial. Fügen Sie unter „Materialien“ eines hinzu oder markieren Sie eines als Pflicht.
teach-publish-already = Dieser Kurs ist bereits veröffentlicht.
teach-archive-already = Dieser Kurs ist bereits archiviert.
teach-changed-meanwhile = Der Kurs wurde inzwischen geändert; sehen Sie ihn erneut an und versuchen Sie es noch einmal.
teach-delete-title = Diesen Kurs löschen?
teach-delete-consequence = Der Kurs verschwindet endgültig aus dem Katalog und Ihren Seiten. { $enrollments ->
    [0] Niemand ist eingeschrieben.
    [one] 1 Person ist eingeschrieben; ihr Verlauf bleibt erhalten.
   *[other] { $enrollments } Personen sind eingeschrieben; ihr Verlauf bleibt erhalten.
}
teach-delete-confirm = Kurs löschen
teach-delete-keep = Behalten
teach-materials = Materialien
teach-add-material = Material hinzufügen
teach-no-materials = Noch keine Materialien. Ein Kurs braucht mindestens ein Pflichtmaterial, um veröffentlicht zu werden.
teach-reorder-hint = Ziehen Sie Materialien in die gewünschte Reihenfolge oder nutzen Sie „Nach oben“ und „Nach unten“.
teach-required = Pflicht
teach-free-preview = kostenlose Vorschau
teach-move-up = Nach oben
teach-move-down = Nach unten
teach-move-up-label = Nach oben: { $title }
teach-move-down-label = Nach unten: { $title }
teach-moved = Die neue Reihenfolge ist gespeichert.
teach-material-saved = Die Materialien sind gespeichert.
teach-material-edit = „{ $title }“ bearbeiten
teach-material-title = Titel
teach-material-kind = Art
teach-material-body = Text
teach-material-body-hint = Der Text eines Artikels oder Quiz (Markdown) oder Hinweise zu einem Video oder Dokument.
teach-material-url = URL
teach-material-url-hint = Eine https-Adresse des Videos, Dokuments oder Links.
teach-material-duration = Dauer in Minuten
teach-material-access = Zugang
teach-material-required = Pflicht für den Kursabschluss
teach-material-preview = Kostenlose Vorschau für alle
teach-material-delete = Dieses Material löschen
teach-material-delete-title = Dieses Material löschen?
teach-material-delete-consequence = Lernende sehen es nicht mehr; ihr erfasster Fortschritt bleibt erhalten.
teach-material-delete-ask = Dieses Material löschen…
teach-back-to-course = Zurück zum Kurs
teach-week-of = Woche ab { $day }
teach-week-nav = Wochen
teach-previous-week = Vorige Woche
teach-this-week = Diese Woche
teach-next-week = Nächste Woche
teach-no-sessions-day = Keine Termine
teach-sessions-cancelled = { $count ->
    [one] 1 Termin wurde abgesagt.
   *[other] { $count } Termine wurden abgesagt.
}
teach-sessions-created = { $count ->
    [one] 1 Termin wurde angelegt.
   *[other] { $count } Termine wurden angelegt.
}
teach-session-course = Kurs
teach-starts = Beginn
teach-duration = Dauer (Minuten)
teach-capacity = Plätze
teach-session-price-hint = Leer lassen für den Preis des Kurses.
teach-location = Ort
teach-meeting-url = Meeting-URL
teach-meeting-url-hint = Ein https-Link; nur Lernende mit bestätigtem Platz sehen ihn.
teach-repeat-legend = Wiederholung
teach-repeat = Wiederholen
teach-repeat-none = Keine Wiederholung
teach-repeat-daily = Täglich
teach-repeat-weekly = Wöchentlich
teach-repeat-monthly = Monatlich
teach-interval = Alle wie viele Tage, Wochen oder Monate
teach-interval-hint = 1 für jede Woche, 2 für jede zweite Woche.
teach-days = An diesen Tagen (wöchentlich)
teach-times = Anzahl
teach-times-hint = Wie viele Termine insgesamt.
teach-until = Bis
teach-occurrences = Diese Termine werden angelegt
teach-preview-more = und { $count } weitere
teach-create = Anlegen
teach-clash = Das überschneidet sich mit Ihrem Termin von „{ $course }“ am { $when } ({ $time }), der den Termin am { $new } überlappt.
teach-views = Ansichten des Kalenders
teach-view-week = Woche
teach-view-month = Monat
teach-month-nav = Monate
teach-previous-month = Voriger Monat
teach-this-month = Dieser Monat
teach-next-month = Nächster Monat
teach-month-caption = Termine im { $month }
teach-no-sessions-month = Keine Termine in diesem Monat.
teach-sessions-changed = { $count ->
    [one] 1 Termin wurde geändert.
   *[other] { $count } Termine wurden geändert.
}
teach-repeat-hint = Der erste Termin ist der zum „Beginn“; das Muster ergibt die Termine danach.
teach-month-day = Tag des Monats (monatlich)
teach-month-day-first = Der Tag des ersten Termins
teach-month-day-last = Der letzte Tag des Monats
teach-skipped = Ausgelassene Tage
teach-skipped-hint = Tage ohne Termin, durch Kommas getrennt, z. B. 2027-12-24, 2027-12-31.
teach-preview-skipped = { $when }: ausgelassen
teach-preview-summary = { $sessions ->
    [one] 1 Termin
   *[other] { $sessions } Termine
}; { $skipped ->
    [one] 1 Tag wird ausgelassen.
   *[other] { $skipped } Tage werden ausgelassen.
}
teach-edit-session = Termin bearbeiten
teach-edit-session-link = Diesen Termin bearbeiten oder verschieben
teach-edit-scope-series = Die ganze Serie (ihre noch nicht begonnenen Termine)
teach-edit-scope-hint = Die anderen Termine verschieben sich auf der Uhr um ebenso viel, behalten also ihre Ortszeit, und übernehmen die neue Dauer; Plätze, Preis und Ort gelten für jeden.
teach-edit-starts-hint = Gebuchte Lernende werden benachrichtigt, wenn sich ein Termin verschiebt.
teach-edit-price-hint = In { $currency }; 0 macht ihn kostenlos. Bereits gemachte Buchungen behalten ihren Preis.
teach-edit-save = Änderungen speichern
teach-edit-back = Zurück zur Teilnehmerliste
teach-capacity-below-booked = { $booked ->
    [one] 1 Platz ist bereits gebucht
   *[other] { $booked } Plätze sind bereits gebucht
}; weniger Plätze sind nicht möglich.
weekday-mo = Montag
weekday-tu = Dienstag
weekday-we = Mittwoch
weekday-th = Donnerstag
weekday-fr = Freitag
weekday-sa = Samstag
weekday-su = Sonntag
teach-cancel-title = Termine absagen?
teach-cancel-which = Welche Termine
teach-cancel-sessions = Damit { $sessions ->
    [one] wird 1 Termin abgesagt.
   *[other] werden { $sessions } Termine abgesagt.
}
teach-cancel-bookings = { $bookings ->
    [0] Niemand hat gebucht.
    [one] 1 Buchung wird storniert und die Person benachrichtigt.
   *[other] { $bookings } Buchungen werden storniert und die Personen benachrichtigt.
}
teach-cancel-refunds = { $refunds ->
    [0] Niemand hat bezahlt, es wird nichts erstattet.
    [one] 1 bezahlte Buchung wird vollständig erstattet.
   *[other] { $refunds } bezahlte Buchungen werden vollständig erstattet.
}
teach-cancel-confirm = Absagen
teach-cancel-keep = Behalten
teach-cancel-session = Diesen Termin absagen
teach-cancel-continue = Weiter…
teach-scope-this = Nur diesen Termin
teach-scope-following = Diesen und die folgenden Termine der Serie
teach-scope-series = Die ganze Serie
teach-meeting-link = Meeting-Link
teach-edit-course = Kurs bearbeiten
teach-students = Teilnehmende
teach-attendance-later = Die Anwesenheit kann erfasst werden, sobald der Termin begonnen hat.
teach-no-students = Noch niemand hat diesen Termin gebucht.
teach-col-student = Person
teach-col-booking = Buchung
teach-col-paid = Bezahlt
teach-col-actions = Aktionen
teach-paid-free = kostenlos
teach-paid-yes = bezahlt ({ $amount })
teach-paid-no = nicht bezahlt
teach-completed = Teilgenommen
teach-no-show = Nicht erschienen
teach-marked = Die Anwesenheit ist erfasst.
teach-reason = Grund
teach-reason-label = Grund für die Stornierung der Buchung von { $student }
teach-cancel-booking = Buchung stornieren
teach-cancel-booking-label = Buchung von { $student } stornieren
teach-cancel-booking-confirm = Die Buchung dieser Person stornieren? Eine bezahlte Buchung wird erstattet.
teach-booking-cancelled = Die Buchung ist storniert und die Person benachrichtigt.
teach-refused-not-started = Die Anwesenheit kann erst erfasst werden, wenn der Termin begonnen hat.
teach-refused-not-confirmed = Nur eine bestätigte Buchung kann erfasst oder storniert werden.
teach-refused-reason-too-long = Der Grund ist zu lang (höchstens 500 Zeichen).
field-error-clock_gap = Diese Ortszeit gibt es nicht: Die Uhren überspringen sie an diesem Tag.
field-error-out_of_range = Das liegt außerhalb des erlaubten Bereichs.
field-error-in_the_past = Das liegt in der Vergangenheit.
field-error-taken = Ein anderer Kurs verwendet das bereits.

# Promo codes (instructors' and administrators' pages)
promo-title = Gutscheincodes
promo-teach-lead = Codes, die Studierende bei der Buchung eines Termins Ihrer Kurse eingeben. Ein Code für einen Kurs gilt nur dort; ein Code für alle Ihre Kurse gilt für jeden davon.
promo-admin-lead = Codes jeder Reichweite: die ganze Plattform, die Kurse einer Lehrperson oder ein Kurs; anlegen, bearbeiten und deaktivieren.
promo-new = Neuer Gutscheincode
promo-none = Noch keine Gutscheincodes.
promo-edit-heading = Gutscheincode { $code } bearbeiten
promo-code = Code
promo-code-hint = 3 bis 64 Buchstaben, Ziffern, - oder _; Groß- und Kleinschreibung egal.
promo-description = Beschreibung
promo-discount-type = Art des Rabatts
promo-type-percent = Prozentsatz
promo-type-fixed = Fester Betrag
promo-value = Rabatt
promo-value-hint = Ein ganzer Prozentsatz wie 15, oder bei einem festen Betrag der Betrag in seiner Währung, etwa 10,00.
promo-currency = Währung (nur feste Beträge)
promo-currency-none = Keine (Prozentsatz)
promo-limit = Einlösungen insgesamt
promo-limit-hint = Leer lassen für keine Grenze.
promo-per-student = Einlösungen pro Person
promo-per-student-hint = Leer lassen für keine Grenze.
promo-valid-from = Gültig ab
promo-valid-until = Gültig bis
promo-times-in = In { $zone }, der Zeitzone Ihres Profils. Leer lassen für keinen Beginn oder kein Ende.
promo-course = Kurs
promo-course-slug = Kurs (seine Adresse)
promo-course-slug-hint = Der letzte Teil der Kursadresse, /courses/…; leer für jeden Kurs.
promo-instructor-email = Lehrperson (E-Mail)
promo-instructor-email-hint = Leer für jede Lehrperson. Beides leer: Der Code gilt auf der ganzen Plattform.
promo-reach-mine = Alle meine Kurse
promo-reach-instructor = Alle Kurse von { $name }
promo-reach-platform = Die ganze Plattform
promo-unset = —
promo-percent = { $value } %
promo-used-of = { $used } / { $limit }
promo-used-unlimited = { $used } / unbegrenzt
promo-state-active = Aktiv
promo-state-promo_inactive = Inaktiv
promo-state-promo_not_yet_valid = Aktiv, noch nicht gültig
promo-state-promo_expired = Aktiv, abgelaufen
promo-state-promo_exhausted = Aktiv, aufgebraucht
promo-col-discount = Rabatt
promo-col-reach = Gilt für
promo-col-used = Einlösungen
promo-col-state = Status
promo-col-actions = Aktionen
promo-edit = Bearbeiten
promo-edit-label = { $code } bearbeiten
promo-deactivate = Deaktivieren
promo-deactivate-label = { $code } deaktivieren
promo-reactivate = Reaktivieren
promo-reactivate-label = { $code } reaktivieren
promo-save = Speichern
promo-create = Anlegen
promo-back = Zurück zu den Gutscheincodes
promo-done-created = Der Gutscheincode ist angelegt.
promo-done-saved = Der Gutscheincode ist gespeichert.
promo-done-deactivated = Der Gutscheincode ist deaktiviert: Neue Buchungen können ihn nicht nutzen. Buchungen, die ihn genutzt haben, behalten ihren Rabatt.
promo-done-activated = Der Gutscheincode ist wieder aktiv.
promo-reactivate-refused = Dieser Code kann so nicht wieder aktiv werden; ändern Sie zuerst, was unten markiert ist.
promo-filter = Gutscheincodes filtern
promo-filter-code = Code
promo-filter-scope = Reichweite
promo-scope-platform = Die ganze Plattform
promo-scope-instructor = Kurse einer Lehrperson
promo-scope-course = Ein Kurs
promo-active-true = Aktiv
promo-active-false = Inaktiv
promo-bad-state = Der Statusfilter ist entweder aktiv oder inaktiv.
promo-error-code-invalid = 3 bis 64 Buchstaben, Ziffern, - oder _.
promo-error-code-taken = Ein anderer Gutscheincode ist bereits so geschrieben.
promo-error-value-invalid = Geben Sie einen ganzen Prozentsatz wie 15 ein, oder bei einem festen Betrag einen Betrag wie 10,00.
promo-error-value-out_of_range = Ein Prozentsatz liegt zwischen 1 und 100; ein fester Betrag über null.
promo-error-currency-required = Ein fester Betrag braucht seine Währung.
promo-error-discount_type-invalid = Wählen Sie einen Prozentsatz oder einen festen Betrag.
promo-error-not_whole = Geben Sie eine ganze Zahl ein.
promo-error-not_a_time = Geben Sie Datum und Uhrzeit ein.
promo-error-max_redemptions-out_of_range = Mindestens 1, oder leer für keine Grenze.
promo-error-max_redemptions-below_redeemed = Das liegt unter den bisherigen Einlösungen.
promo-error-max_redemptions_per_user-out_of_range = Mindestens 1, oder leer für keine Grenze.
promo-error-valid_until-invalid = Das muss nach „Gültig ab“ liegen.
promo-error-course_id-invalid = Wählen Sie einen Ihrer Kurse.
promo-error-course_id-unknown = Kein Kurs hat diese Adresse.
promo-error-instructor_id-invalid = Dieses Konto gehört keiner Lehrperson.
promo-error-instructor_id-unknown = Kein Konto hat diese E-Mail-Adresse.
promo-error-terms-constraint = Diese Bedingungen widersprechen den bisherigen Einlösungen; sehen Sie sich den Code noch einmal an und versuchen Sie es erneut.
