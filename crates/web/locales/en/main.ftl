# Layout
site-name = MedicalEdu
skip-to-content = Skip to content
nav-courses = Courses
nav-dashboard = My learning
nav-sign-in = Sign in
nav-sign-up = Sign up
nav-sign-out = Sign out
nav-main = Main
notifications-short = Notifications
notifications-unread = ({ $count } unread)
footer-tagline = Open-source medical education.
footer-api = API reference

# Home
home-title = Learn from clinicians, at your pace and live
home-lead = Courses and live sessions by physicians, nurses and educators, with continuing-education credit.
home-search-label = Search courses
home-search-button = Search
home-newest = Newest courses
home-popular = Most popular
home-categories = Categories
home-browse-all = Browse all courses

# Catalog
catalog-title = Courses
catalog-search-label = Search courses
catalog-search-button = Search
catalog-filters = Filters
catalog-category = Category
catalog-specialty = Specialty
catalog-level = Level
catalog-language = Language
catalog-price = Price
catalog-any = Any
catalog-free = Free
catalog-paid = Paid
catalog-min-rating = Minimum rating
catalog-sort = Sort by
catalog-sort-newest = Newest
catalog-sort-rating = Rating
catalog-sort-price = Price
catalog-sort-popularity = Popularity
catalog-apply = Apply filters
catalog-next = Next page
catalog-empty = No course matches. Try fewer words or filters.
catalog-results = { $count ->
    [one] One course on this page
   *[other] { $count } courses on this page
}
level-beginner = Beginner
level-intermediate = Intermediate
level-advanced = Advanced
rating-none = Not rated yet
rating-value = Rated { $rating } of 5 ({ $count ->
    [one] 1 rating
   *[other] { $count } ratings
})
price-free = Free
cme-hours = { $hours } CME credit hours
by-instructor = by { $name }

# Course page
course-instructor = Instructor
course-about = About this course
course-materials = Course materials
course-preview = Preview
course-required = Required
course-sessions = Live sessions in the next four weeks
course-no-sessions = No live sessions are scheduled in the next four weeks.
course-seats-left = { $count ->
    [one] One seat left
   *[other] { $count } seats left
}
course-book = Book
course-book-label = Book the session on { $when }
course-enroll = Enroll
course-enrolled = You are enrolled.
course-continue = Continue learning
course-reviews = Ratings and reviews
course-no-reviews = No reviews yet.
course-level = Level
course-language = Language
course-price = Price
course-category = Category
course-specialty = Specialty
times-in-zone = Times are shown in { $zone }.

# Sign-in and sign-up
signin-title = Sign in
signup-title = Create your account
field-email = Email
field-password = Password
field-full-name = Full name
signup-role = I am joining as
signup-student = I am a student
signup-instructor = I am an instructor
signup-submit = Create account
signin-submit = Sign in
signin-no-account = New here?
signup-have-account = Already have an account?
password-hint = At least 10 characters; avoid common passwords.
signin-invalid = The email or password is not right.
signin-locked = Too many failed attempts: this account is locked. Try again in { $minutes } minutes.
signin-rate-limited = Too many attempts from your network. Wait a minute and try again.
signin-suspended = This account is suspended. Contact the administrators.
signed-out = You are signed out.

# Errors
error-title-404 = Page not found
error-text-404 = There is nothing at this address. It may have moved, or the link may be wrong.
error-title-403 = Not allowed
error-text-403 = Your account may not open this page.
error-title-500 = Something went wrong
error-text-500 = The page could not be shown. Please try again; if it keeps happening, tell us this reference:
error-title-503 = Temporarily unavailable
error-text-503 = MedicalEdu cannot reach its database right now. Please try again in a moment.
error-title-csrf = The form expired
error-text-csrf = For your safety the form could not be accepted. Go back, reload the page and send it again.
error-title-400 = This request could not be read
error-text-400 = Go back, reload the page and try again.
error-title-409 = This could not be done
error-text-409 = Something changed meanwhile, or the rules do not allow it as it stands. Go back, reload the page and try again.
error-home = Go to the home page
error-reference = Reference
form-errors = Please correct the fields marked below.

# Field errors, by the code the use case gives
field-error-required = Fill this in.
field-error-invalid = This is not valid.
field-error-too_short = This is too short.
field-error-too_long = This is too long.
field-error-too_common = This password is too common; choose another.
field-error-email_taken = An account with this email already exists.

# Booking
book-title = Book a session
book-when = When
book-discount = Discount
book-total = Total
book-promo = Promo code
book-promo-unknown = No such promo code.
book-apply = Apply
book-promo-applied = Code { $code } applied: you pay { $total }.
book-confirm = Confirm booking
book-pay-with = Pay
pay-manual = Pay at the venue / by invoice
pay-stripe = Pay by card
pay-paypal = Pay with PayPal
card-title = Pay by card
card-pay = Pay { $amount }
card-busy = Paying…
card-needs-js = Paying by card needs JavaScript for Stripe's secure card form. Turn it on, or pay at the venue / by invoice below.
card-unavailable = Card payments are not available right now. Try again in a few minutes, or pay at the venue / by invoice.
card-back = Back to the booking
paypal-title = Pay with PayPal
paypal-needs-js = PayPal's buttons need JavaScript. Turn it on, or pay at the venue / by invoice below.
paypal-not-payable = This booking is no longer awaiting payment.
paypal-not-approved = PayPal has not confirmed your approval yet. Please try again.
paypal-unavailable = PayPal cannot be reached right now. Try again in a few minutes, or pay at the venue / by invoice.
paypal-failed = The PayPal payment did not go through. Try again, or pay at the venue / by invoice.
book-full = No seats are left in this session.
book-already = You already hold a booking for this session.
book-too-late = Booking for this session has closed.
book-not-open = This session is not open for booking.
book-students-only = Only students book sessions.
booking-confirmed-title = Your session is booked
booking-pending-title = Awaiting payment
booking-other-title = Booking
booking-confirmed = Confirmed. It is in your upcoming sessions.
booking-pending = Your seat is held until { $until } ({ $minutes } minutes left). It is confirmed when the payment arrives.
booking-pending-manual = Your seat is held until { $until }. Pay at the venue or by invoice; it is confirmed once the payment is recorded.
booking-status = Status: { $status }
booking-refresh = Refresh
status-pending = awaiting payment
status-confirmed = confirmed
status-cancelled = cancelled
status-completed = attended
status-no_show = missed
status-expired = expired

# Cancelling
cancel-title = Cancel this booking?
cancel-confirm = Cancel booking
cancel-keep = Keep it
cancel-nothing-paid = Nothing was paid, so nothing is refunded. The seat is given back.
cancel-refunded = You cancel early enough: the payment of { $amount } is refunded in full.
cancel-not-refunded = The session starts within the refund window: the payment of { $amount } is not refunded.

# Dashboard
dashboard-upcoming = Upcoming sessions
dashboard-no-upcoming = No upcoming sessions.
dashboard-past = Past sessions
dashboard-no-past = No past sessions yet.
dashboard-courses = My courses
dashboard-no-courses = You are not enrolled in a course yet.
dashboard-join = Join the session
dashboard-pay-now = Pay now
dashboard-cancel = Cancel
dashboard-cancel-label = Cancel the booking of { $course } on { $when }
dashboard-hold = hold ends { $until }
dashboard-progress = { $percent }% complete

# Inbox
inbox-mark-all = Mark all as read
inbox-empty = No notifications yet.
inbox-new = New

# Account pages: profile, password, sessions, notification settings, calendar feed
nav-account = Account
account-title = Account
account-nav = Account settings
account-link-profile = Profile and password
account-profile = Profile
account-phone = Phone
account-phone-hint = In international form, e.g. +49 30 1234567. Needed for text messages.
account-timezone = Time zone
account-timezone-hint = Times are shown in this zone, e.g. Europe/Berlin.
account-language = Language
account-professional = Professional profile
account-headline = Headline
account-specialty = Specialty
account-credentials = Credentials
account-bio = Bio
account-save = Save
account-saved = Your profile is saved.
account-password = Password
account-current-password = Current password
account-new-password = New password
account-change-password = Change password
account-password-note = Changing the password signs out your other sessions and stops your calendar feed.
account-password-changed = Your password is changed. Your other sessions were signed out.
account-password-locked = Too many wrong passwords: this account is locked. Try again in { $minutes } minutes.
field-error-incorrect = This is not your current password.
field-error-not_allowed = Your account may not set this.
sessions-title = Sign-in sessions
sessions-lead = Where your account is signed in now. Sign out any session you do not recognise, and change your password.
sessions-this-device = This device
sessions-unknown-device = Unknown device
sessions-unknown-ip = unknown
sessions-ip = IP address
sessions-last-seen = Last seen
sessions-sign-out = Sign out
sessions-sign-out-label = Sign out { $device }, last seen { $when }
prefs-title = Notification settings
prefs-lead = Choose where each kind of notification reaches you. Text messages need a phone number in your profile; security notices always reach your inbox.
prefs-kind = Notification
prefs-checkbox = { $channel } for { $kind }
prefs-save = Save preferences
prefs-saved = Your notification settings are saved.
field-error-phone_required = Text messages need a phone number in your profile first.
field-error-in_app_required = Security notices always reach your inbox.
channel-email = Email
channel-sms = SMS
channel-push = Push
channel-in_app = In-app
kind-booking-confirmed = Session booked
kind-booking-cancelled = Booking cancelled
kind-booking-rescheduled = Session rescheduled
kind-booking-expired = Booking hold expired
kind-booking-reminder = Session reminder
kind-slot-cancelled = Session cancelled by the instructor
kind-payment-succeeded = Payment received
kind-payment-failed = Payment failed
kind-payment-refunded = Payment refunded
kind-course-completed = Course completed
kind-account-locked = Account locked
kind-account-password_changed = Password changed
kind-session-new_device = New sign-in
feed-title = Subscribe in your calendar
feed-lead = Your sessions in your calendar app, kept up to date. Creating a new address stops the old one.
feed-create = Create the feed address
feed-stop = Stop the feed
feed-url = Feed address
feed-url-hint = Copy it into your calendar app now: it is shown only once. Anyone with it can see your sessions.
feed-stopped = The calendar feed is stopped; its address no longer works.
# Learning, ratings and rescheduling
learn-kind-video = Video
learn-kind-document = Document
learn-kind-article = Article
learn-kind-quiz = Quiz
learn-kind-link = Link
learn-position = Material { $number } of { $total }
learn-pager = Course materials
learn-previous = Previous
learn-next = Next
learn-previous-label = Previous: { $title }
learn-next-label = Next: { $title }
learn-open = Open the material
learn-nothing = This material cannot be shown here.
learn-complete = Mark as complete
learn-done = You completed this material.
learn-course-complete = You completed this course: every required material is done.
rate-course-legend = Your rating
rate-instructor-legend = Your rating of the instructor
rate-review = Review
rate-instructor-review = Review of the instructor
rate-course = Rate this course
rate-instructor = Rate the instructor
rate-stars = { $count ->
    [one] 1 star
   *[other] { $count } stars
}
rate-choose = Choose from 1 to 5 stars.
rate-course-not-eligible = Only students enrolled in this course can rate it.
rate-instructor-not-eligible = You can rate the instructor after you attended one of their sessions.
rate-try-again = Your rating changed at the same moment elsewhere; please send it again.
dashboard-reschedule = Reschedule
dashboard-reschedule-label = Reschedule the booking of { $course } on { $when }
reschedule-title = Move to another session
reschedule-choices = Sessions you can move to
reschedule-none = No other session of this course at the same price is open for booking.
reschedule-move = Move here
reschedule-move-label = Move here: the session on { $when }
reschedule-keep = Keep my session
reschedule-too-late = Your session starts too soon to be moved, or the new one does.
reschedule-limit = { $max ->
    [one] A booking can be moved only once, and this one was moved already.
   *[other] A booking can be moved at most { $max } times, and this one was moved that often already.
}
reschedule-not-live = This booking no longer holds a seat, so there is nothing to move.
reschedule-price-differs = That session has a different price; a booking moves only to a session of the same price.
reschedule-full = No seats are left in that session.
reschedule-not-open = That session is no longer open for booking.
reschedule-already = You already hold a booking for that session.
reschedule-not-this-course = That is not another session of this course.

# Two-factor authentication
two-factor-title = Two-factor authentication
two-factor-lead = Besides your password, sign-in asks for a six-digit code from an authenticator app on your phone (such as FreeOTP, Aegis or Google Authenticator).
two-factor-required = Administrator accounts must use two-factor authentication. Set it up to continue.
two-factor-off = Two-factor authentication is off.
two-factor-set-up = Set up
two-factor-setup-title = Set up your authenticator app
two-factor-setup-lead = Scan this QR code with your authenticator app, then enter the six-digit code it shows.
two-factor-qr-label = QR code to scan with your authenticator app
two-factor-secret-lead = Cannot scan it? Enter this key in the app instead:
two-factor-confirm = Confirm
two-factor-start-again = Start again with a new key
two-factor-on = Two-factor authentication is on since { $when }.
two-factor-codes-left = Recovery codes left: { $count }
two-factor-recovery-title = Your recovery codes
two-factor-recovery-lead = Each code signs you in once if you lose your phone. Keep them somewhere safe: they are shown only now.
two-factor-recovery-done = I have saved my recovery codes
two-factor-new-codes = New recovery codes
two-factor-new-codes-lead = New codes replace the old ones, which stop working.
two-factor-turn-off = Turn off
two-factor-turn-off-lead = Sign-in will ask only for your password again.
two-factor-turned-off = Two-factor authentication is off.
two-factor-enabled = Two-factor authentication is on.
field-code = Code
field-error-wrong_code = This is not the code your app shows now.
signin-code-title = Enter your code
signin-code-lead = Open your authenticator app and enter the six-digit code for MedicalEdu.
signin-code-hint = Lost your phone? Enter one of your recovery codes instead.
signin-code-submit = Verify
signin-code-wrong = This code is not right. Enter the current code from your app, or a recovery code.
signin-code-expired = This sign-in took too long or was already completed. Sign in again.
signin-code-restart = Start over

# Administration
nav-admin = Admin
admin-title = Administration
admin-nav = Administration sections
admin-users-title = Users
admin-users-lead = Find accounts, change roles, suspend, and unlock accounts locked by failed sign-ins.
admin-payments-title = Payments
admin-payments-lead = Charges and refunds by status, provider, currency and date; refund, or mark a manual payment as paid.
admin-outbox-title = Notification outbox
admin-outbox-lead = Notifications on every channel; retry the ones that failed.
admin-audit-title = Audit log
admin-audit-lead = Who changed what, and when, with every change set; download as CSV.
admin-schema = Schema viewer
admin-schema-lead = The live database schema as an interactive diagram.
admin-back = Go back
admin-none = Nothing matches.
admin-filter-any = Any
admin-filter-apply = Filter
admin-filter-search = Name or email
admin-filter-role = Role
admin-filter-status = Status
admin-filter-provider = Provider
admin-filter-currency = Currency
admin-filter-from = From
admin-filter-to = To
admin-filter-channel = Channel
admin-filter-kind = Kind
admin-filter-actor = Actor
admin-filter-entity-type = Entity type
admin-filter-entity-id = Entity id
admin-filter-action = Action
admin-bad-date = { $field } must be a date (YYYY-MM-DD).
admin-users-filter = Filter users
admin-payments-filter = Filter payments
admin-outbox-filter = Filter notifications
admin-audit-filter = Filter the audit log
admin-col-name = Name
admin-col-email = Email
admin-col-since = Member since
admin-col-when = When
admin-col-kind = Kind
admin-col-amount = Amount
admin-col-refunded = Refunded
admin-col-attempts = Attempts
admin-col-error = Last error
admin-locked = locked
role-student = Student
role-instructor = Instructor
role-admin = Administrator
user-status-active = Active
user-status-suspended = Suspended
admin-user-account = Account
admin-user-actions = Actions
admin-user-failed-attempts = Failed sign-in attempts in a row
admin-user-locked-until = Locked until
admin-user-last-login = Last sign-in
admin-unlock = Unlock
admin-unlock-hint = Lifts the lock left by failed sign-ins and resets the count.
admin-change-role = Change role
admin-suspend = Suspend…
admin-reactivate = Reactivate
admin-suspend-title = Suspend an account
admin-suspend-heading = Suspend { $name }?
admin-suspend-consequence = They are signed out on every device at once, cannot sign in until reactivated, and their calendar feed link stops working for good.
admin-suspend-confirm = Suspend the account
admin-user-done-unlocked = The account is unlocked: its owner can sign in again.
admin-user-done-role = The role is changed.
admin-user-done-suspended = The account is suspended and signed out everywhere.
admin-user-done-reactivated = The account is active again.
admin-user-devices = Signed in on
admin-user-no-devices = Not signed in anywhere.
admin-user-bookings = Latest bookings
admin-user-bookings-taught = Latest bookings on their sessions
admin-col-device = Device
admin-col-ip = Address
admin-col-signed-in = Signed in
admin-col-last-seen = Last seen
admin-col-session = Session
admin-user-trail = Audit trail
admin-user-trail-all = The whole trail
admin-user-as-actor = What this account did
payment-status-pending = Pending
payment-status-requires_action = Waiting for the payer
payment-status-succeeded = Succeeded
payment-status-failed = Failed
payment-status-cancelled = Cancelled
payment-provider-stripe = Stripe (card)
payment-provider-paypal = PayPal
payment-provider-manual = Manual (at the venue, bank transfer)
payment-kind-charge = Charge
payment-kind-refund = Refund
admin-payment-title = Payment
admin-payment-booking = Booking
admin-payment-failure = Why it failed
admin-payment-refunds = Refunds
admin-payment-audit = This payment in the audit log
admin-payment-nothing = Nothing to do: only a succeeded charge can be refunded, and only a pending manual charge marked as paid.
admin-refund = Refund
admin-refund-left = Left to refund
admin-refund-amount = Amount
admin-refund-reason = Reason
admin-refund-amount-zero = Enter an amount above zero.
admin-refund-reason-required = Say why you refund: the student is told.
admin-refund-exceeds = That is more than is left to refund on this charge.
admin-refund-confirm-title = Confirm the refund
admin-refund-confirm-heading = Refund { $amount } of { $charge }?
admin-refund-confirm-consequence = The money goes back through { $provider } to the payer and cannot be taken back; the student is told, and the refund is in the audit log.
admin-refund-confirm = Confirm refund
admin-payment-done-refunded = The refund is recorded.
admin-mark-paid = Mark as paid
admin-mark-paid-title = Mark a payment as paid
admin-mark-paid-heading = Mark { $amount } as received?
admin-mark-paid-consequence = Only when the money has arrived: the booking is confirmed and the student is told.
admin-payment-done-paid = The payment is marked as paid and its booking confirmed.
notification-status-queued = Queued
notification-status-sending = Sending
notification-status-sent = Sent
notification-status-failed = Failed
notification-status-cancelled = Cancelled
admin-outbox-retry = Retry
admin-outbox-retry-label = Retry “{ $title }”
admin-outbox-retried = The notification is queued again with a fresh set of attempts.
admin-audit-system = the system
admin-audit-csv = Download as CSV
admin-audit-field = Field
admin-audit-before = Before
admin-audit-after = After

## Instructor pages
nav-teach = Teaching
teach-title = Teaching
teach-nav = Teaching pages
teach-schedule = Schedule
teach-new-course = New course
teach-new-session = New session
teach-my-courses = My courses
teach-no-courses = You have no courses yet.
teach-next-sessions = My next sessions
teach-no-sessions = No sessions in the next four weeks.
teach-times-in = Times are in { $zone }, the time zone of your profile.
teach-seats = { $booked } of { $capacity } seats booked
teach-roster = Roster
teach-col-course = Course
teach-col-status = Status
teach-col-enrollments = Enrollments
teach-col-rating = Rating
teach-col-revenue = Revenue in { $month }
teach-no-rating = Not rated yet
teach-rating = { $rating } ({ $count ->
    [one] 1 rating
   *[other] { $count } ratings
})
teach-no-revenue = None yet
teach-course-deleted = The course was deleted.
course-status-draft = Draft
course-status-published = Published
course-status-archived = Archived
teach-edit-heading = Edit “{ $title }”
teach-status = Status
teach-public-page = Its public page
teach-publish = Publish
teach-archive = Archive
teach-delete = Delete…
teach-course-title = Title
teach-slug = Slug
teach-slug-hint = The course's address: /courses/slug. Lowercase letters, digits and hyphens.
teach-summary = Summary
teach-description = Description
teach-description-hint = Markdown: **bold**, *italic*, lists, links and tables. “Preview” shows it as students will see it.
teach-preview-heading = Preview of the description
teach-category = Category
teach-specialty = Specialty
teach-tags = Tags
teach-tags-hint = Separated by commas.
teach-level = Level
teach-language = Language
teach-price = Price
teach-price-hint = In the currency below, e.g. 49.00; 0 makes the course free.
teach-currency = Currency
teach-cme = CME credit hours
teach-cme-hint = For example 1.5; leave empty when the course gives none.
teach-save = Save
teach-preview = Preview
teach-saved = Saved.
teach-published = Published: the course is in the catalog.
teach-archived = Archived: the course left the catalog; enrolled students keep their access.
teach-publish-no-materials = This course cannot be published yet: it needs at least one required material. Add one under “Materials”, or mark one as required.
teach-publish-already = This course is already published.
teach-archive-already = This course is already archived.
teach-changed-meanwhile = The course changed meanwhile; look at it again and retry.
teach-delete-title = Delete this course?
teach-delete-consequence = The course leaves the catalog and your pages for good. { $enrollments ->
    [0] Nobody is enrolled.
    [one] 1 student is enrolled; their history is kept.
   *[other] { $enrollments } students are enrolled; their history is kept.
}
teach-delete-confirm = Delete the course
teach-delete-keep = Keep it
teach-materials = Materials
teach-add-material = Add material
teach-no-materials = No materials yet. A course needs at least one required material to be published.
teach-reorder-hint = Drag materials into order, or use “Move up” and “Move down”.
teach-required = required
teach-free-preview = free preview
teach-move-up = Move up
teach-move-down = Move down
teach-move-up-label = Move up: { $title }
teach-move-down-label = Move down: { $title }
teach-moved = The new order is saved.
teach-material-saved = The materials are saved.
teach-material-edit = Edit “{ $title }”
teach-material-title = Title
teach-material-kind = Kind
teach-material-body = Body
teach-material-body-hint = The text of an article or a quiz (Markdown), or notes on a video or document.
teach-material-url = URL
teach-material-url-hint = An https address of the video, document or link.
teach-material-duration = Duration in minutes
teach-material-access = Access
teach-material-required = Required to complete the course
teach-material-preview = Free preview for everyone
teach-material-delete = Delete this material
teach-material-delete-title = Delete this material?
teach-material-delete-consequence = Students no longer see it; the progress they recorded on it is kept.
teach-material-delete-ask = Delete this material…
teach-back-to-course = Back to the course
teach-week-of = Week of { $day }
teach-week-nav = Weeks
teach-previous-week = Previous week
teach-this-week = This week
teach-next-week = Next week
teach-no-sessions-day = No sessions
teach-sessions-cancelled = { $count ->
    [one] 1 session was cancelled.
   *[other] { $count } sessions were cancelled.
}
teach-sessions-created = { $count ->
    [one] 1 session was created.
   *[other] { $count } sessions were created.
}
teach-session-course = Course
teach-starts = Starts
teach-duration = Duration (minutes)
teach-capacity = Capacity
teach-session-price-hint = Leave empty for the course's price.
teach-location = Location
teach-meeting-url = Meeting URL
teach-meeting-url-hint = An https link; only students with a confirmed seat see it.
teach-repeat-legend = Repetition
teach-repeat = Repeat
teach-repeat-none = Does not repeat
teach-repeat-daily = Daily
teach-repeat-weekly = Weekly
teach-repeat-monthly = Monthly
teach-interval = Every how many days, weeks or months
teach-interval-hint = 1 for every week, 2 for every other week.
teach-days = On these days (weekly)
teach-times = Times
teach-times-hint = How many sessions in all.
teach-until = Until
teach-occurrences = The sessions this creates
teach-preview-more = and { $count } more
teach-create = Create
teach-clash = This clashes with your session of “{ $course }” on { $when } ({ $time }), which overlaps the one on { $new }.
teach-views = Schedule views
teach-view-week = Week
teach-view-month = Month
teach-month-nav = Months
teach-previous-month = Previous month
teach-this-month = This month
teach-next-month = Next month
teach-month-caption = Sessions in { $month }
teach-no-sessions-month = No sessions this month.
teach-sessions-changed = { $count ->
    [one] 1 session was changed.
   *[other] { $count } sessions were changed.
}
teach-repeat-hint = The first session is the one at “Starts”; the pattern gives the sessions after it.
teach-month-day = Day of the month (monthly)
teach-month-day-first = The day of the first session
teach-month-day-last = The last day of the month
teach-skipped = Skipped dates
teach-skipped-hint = Dates without a session, separated by commas, e.g. 2027-12-24, 2027-12-31.
teach-preview-skipped = { $when }: skipped
teach-preview-summary = { $sessions ->
    [one] 1 session
   *[other] { $sessions } sessions
}; { $skipped ->
    [one] 1 date is skipped.
   *[other] { $skipped } dates are skipped.
}
teach-edit-session = Edit session
teach-edit-session-link = Edit or move this session
teach-edit-scope-series = The whole series (its sessions yet to start)
teach-edit-scope-hint = The other sessions move by as much on the clock, keeping their local time, and take the new duration; capacity, price and place apply to each.
teach-edit-starts-hint = Booked students are told when a session moves.
teach-edit-price-hint = In { $currency }; 0 makes it free. Bookings already made keep their price.
teach-edit-save = Save changes
teach-edit-back = Back to the roster
teach-capacity-below-booked = { $booked ->
    [one] 1 seat is already booked
   *[other] { $booked } seats are already booked
}; the capacity cannot go below that.
weekday-mo = Monday
weekday-tu = Tuesday
weekday-we = Wednesday
weekday-th = Thursday
weekday-fr = Friday
weekday-sa = Saturday
weekday-su = Sunday
teach-cancel-title = Cancel sessions?
teach-cancel-which = Which sessions
teach-cancel-sessions = This cancels { $sessions ->
    [one] 1 session.
   *[other] { $sessions } sessions.
}
teach-cancel-bookings = { $bookings ->
    [0] Nobody has booked { $sessions ->
        [one] it.
       *[other] them.
    }
    [one] 1 booked student will be cancelled and told.
   *[other] { $bookings } booked students will be cancelled and told.
}
teach-cancel-refunds = { $refunds ->
    [0] Nobody paid, so nothing is refunded.
    [one] 1 paid booking will be refunded in full.
   *[other] { $refunds } paid bookings will be refunded in full.
}
teach-cancel-confirm = Cancel them
teach-cancel-keep = Keep them
teach-cancel-session = Cancel this session
teach-cancel-continue = Continue…
teach-scope-this = Only this session
teach-scope-following = This and the following sessions of the series
teach-scope-series = The whole series
teach-meeting-link = Meeting link
teach-edit-course = Edit the course
teach-students = Students
teach-attendance-later = Attendance can be marked once the session has started.
teach-no-students = Nobody has booked this session yet.
teach-col-student = Student
teach-col-booking = Booking
teach-col-paid = Paid
teach-col-actions = Actions
teach-paid-free = free
teach-paid-yes = paid ({ $amount })
teach-paid-no = not paid
teach-completed = Completed
teach-no-show = No-show
teach-marked = Attendance is marked.
teach-reason = Reason
teach-reason-label = Reason for cancelling { $student }'s booking
teach-cancel-booking = Cancel booking
teach-cancel-booking-label = Cancel booking of { $student }
teach-cancel-booking-confirm = Cancel this student's booking? A paid booking is refunded.
teach-booking-cancelled = The booking is cancelled and the student told.
teach-refused-not-started = Attendance can be marked only once the session has started.
teach-refused-not-confirmed = Only a confirmed booking can be marked or cancelled.
teach-refused-reason-too-long = The reason is too long (at most 500 characters).
field-error-clock_gap = This local time does not exist: the clocks skip it that day.
field-error-out_of_range = This is out of range.
field-error-in_the_past = This is in the past.
field-error-taken = Another course already uses this.

# Promo codes (instructors' and administrators' pages)
promo-title = Promo codes
promo-teach-lead = Codes students type when they book a session of your courses. A code for one course reaches only that course; a code for all your courses reaches each of them.
promo-admin-lead = Codes of every scope: the whole platform, one instructor's courses, or one course; create, edit and deactivate them.
promo-new = New promo code
promo-none = No promo codes yet.
promo-edit-heading = Edit promo code { $code }
promo-code = Code
promo-code-hint = 3 to 64 letters, digits, - or _; students type it in any case.
promo-description = Description
promo-discount-type = Kind of discount
promo-type-percent = Percentage
promo-type-fixed = Fixed amount
promo-value = Discount
promo-value-hint = A whole percentage such as 15, or for a fixed amount the amount in its currency, such as 10.00.
promo-currency = Currency (fixed amounts only)
promo-currency-none = None (percentage)
promo-limit = Redemptions in all
promo-limit-hint = Leave empty for no limit.
promo-per-student = Redemptions per student
promo-per-student-hint = Leave empty for no limit.
promo-valid-from = Valid from
promo-valid-until = Valid until
promo-times-in = In { $zone }, the time zone of your profile. Leave empty for no start or no end.
promo-course = Course
promo-course-slug = Course (its address)
promo-course-slug-hint = The last part of the course's address, /courses/…; empty for any course.
promo-instructor-email = Instructor (email)
promo-instructor-email-hint = Empty for any instructor. Both empty: the code reaches the whole platform.
promo-reach-mine = All my courses
promo-reach-instructor = All courses of { $name }
promo-reach-platform = The whole platform
promo-unset = —
promo-percent = { $value }%
promo-used-of = { $used } / { $limit }
promo-used-unlimited = { $used } / no limit
promo-state-active = Active
promo-state-promo_inactive = Inactive
promo-state-promo_not_yet_valid = Active, not valid yet
promo-state-promo_expired = Active, expired
promo-state-promo_exhausted = Active, used up
promo-col-discount = Discount
promo-col-reach = Applies to
promo-col-used = Redemptions
promo-col-state = Status
promo-col-actions = Actions
promo-edit = Edit
promo-edit-label = Edit { $code }
promo-deactivate = Deactivate
promo-deactivate-label = Deactivate { $code }
promo-reactivate = Reactivate
promo-reactivate-label = Reactivate { $code }
promo-save = Save
promo-create = Create
promo-back = Back to the promo codes
promo-done-created = The promo code is created.
promo-done-saved = The promo code is saved.
promo-done-deactivated = The promo code is deactivated: new bookings cannot use it. Bookings that used it keep their discount.
promo-done-activated = The promo code is active again.
promo-reactivate-refused = This code cannot be active again as it stands; change what is marked below first.
promo-filter = Filter promo codes
promo-filter-code = Code
promo-filter-scope = Scope
promo-scope-platform = The whole platform
promo-scope-instructor = One instructor's courses
promo-scope-course = One course
promo-active-true = Active
promo-active-false = Inactive
promo-bad-state = The status filter is either active or inactive.
promo-error-code-invalid = 3 to 64 letters, digits, - or _.
promo-error-code-taken = Another promo code is already spelled this way.
promo-error-value-invalid = Enter a whole percentage such as 15, or an amount such as 10.00 for a fixed amount.
promo-error-value-out_of_range = A percentage is 1 to 100; a fixed amount is more than zero.
promo-error-currency-required = A fixed amount needs its currency.
promo-error-discount_type-invalid = Choose a percentage or a fixed amount.
promo-error-not_whole = Enter a whole number.
promo-error-not_a_time = Enter a date and time.
promo-error-max_redemptions-out_of_range = At least 1, or empty for no limit.
promo-error-max_redemptions-below_redeemed = This is below the redemptions so far.
promo-error-max_redemptions_per_user-out_of_range = At least 1, or empty for no limit.
promo-error-valid_until-invalid = This must be after “Valid from”.
promo-error-course_id-invalid = Choose one of your courses.
promo-error-course_id-unknown = No course has this address.
promo-error-instructor_id-invalid = This account is not an instructor's.
promo-error-instructor_id-unknown = No account has this email.
promo-error-terms-constraint = These terms contradict the code's redemptions so far; look at it again and retry.
teach-earnings = Earnings
teach-earnings-filter = Earnings period
teach-earnings-from = From
teach-earnings-to = To
teach-earnings-month-hint = A month, such as 2027-03.
teach-earnings-show = Show
teach-earnings-csv = Download CSV
teach-earnings-period = { $from } to { $to }, in months of { $zone }, the time zone of your profile. A refund counts in the month it was made.
teach-earnings-none = Nothing was paid for your courses in this period.
teach-earnings-currency = Earnings in { $currency }
teach-earnings-chart-title = Net earnings per month in { $currency }
teach-earnings-chart-desc = A bar for each month; the table beside it lists the same amounts.
teach-earnings-by-month = Per month in { $currency }
teach-earnings-by-course = Per course in { $currency }
teach-earnings-total = Total
teach-col-month = Month
teach-col-gross = Gross
teach-col-refunded = Refunded
teach-col-net = Net
field-error-month_format = Enter a month such as 2027-03.
field-error-month_order = The last month cannot come before the first.
field-error-period_too_long = Choose at most 36 months.
admin-revenue-title = Revenue
admin-revenue-lead = Gross, refunded and net revenue per day, month, course or instructor in each currency, as a chart and a table; download as CSV.
admin-revenue-filter = Revenue report period and grouping
admin-revenue-group = Group by
admin-revenue-group-day = Day
admin-revenue-group-month = Month
admin-revenue-group-course = Course
admin-revenue-group-instructor = Instructor
admin-revenue-show = Show
admin-revenue-utc = Dates, days and months are in UTC. A refund counts on the day it was made.
admin-revenue-csv = Download CSV
admin-revenue-none = No payments in this period.
admin-revenue-currency = Revenue in { $currency }
admin-revenue-chart-title = Net revenue in { $currency }
admin-revenue-chart-desc = A bar for each line of the table beside it, which lists the same amounts.
admin-revenue-caption = Gross, refunded and net in { $currency }
admin-revenue-total = Total
field-error-date_format = Enter a date such as 2027-03-31.
field-error-date_order = The last day cannot come before the first.
