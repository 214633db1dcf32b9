from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services
from accounts.forms import (
    ApiTokenForm,
    HolidayForm,
    IntegrationForm,
    InviteMemberForm,
    LoginForm,
    OrganizationSettingsForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
    RoleForm,
    SetPasswordForm,
    SignUpForm,
)
from accounts.middleware import SESSION_ORG_KEY
from accounts.models import AuditEvent, User
from accounts.roles import Capability, Side
from accounts.selectors import (
    api_tokens_visible_to,
    audit_events_visible_to,
    current_membership,
    email_preferences_of,
    holidays_of,
    members_visible_to,
    notifications_of,
    unread_count,
    user_by_email,
)
from smarketing.errors import DomainError
from smarketing.mail import send_email
from smarketing.pages import member_required, paginate, redirect_after_post

Kind = AuditEvent.Kind
MODEL_BACKEND = "accounts.backends.MemberBackend"


def _start_session(request: HttpRequest, user: User) -> None:
    login(request, user, backend=MODEL_BACKEND)
    member = current_membership(user=user, org_id=None)
    request.session[SESSION_ORG_KEY] = member.org_id if member else None


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if getattr(request, "member", None) is not None:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email, password = form.cleaned_data["email"], form.cleaned_data["password"]
        user = authenticate(request, email=email, password=password)
        known = user_by_email(email)
        known_member = current_membership(user=known, org_id=None) if known is not None else None
        org = known_member.org if known_member is not None else None
        if getattr(request, "axes_locked_out", False):
            services.record_audit_event(
                kind=Kind.LOGIN_LOCKED_OUT,
                request=request,
                org=org,
                actor=known,
                actor_label=email,
                outcome=AuditEvent.Outcome.DENIED,
            )
            return render(request, "accounts/locked_out.html", status=429)
        member = current_membership(user=user, org_id=None) if user is not None else None
        if member is None:
            services.record_audit_event(
                kind=Kind.LOGIN_FAILED,
                request=request,
                org=org,
                actor=known,
                actor_label=email,
                outcome=AuditEvent.Outcome.FAILED,
            )
            form.add_error(None, "That e-mail and password do not match an active account.")
        else:
            _start_session(request, user)
            services.record_audit_event(kind=Kind.LOGIN_SUCCEEDED, request=request, org=member.org, actor=user)
            return redirect(_safe_next(request))
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.record_audit_event(
            kind=Kind.LOGGED_OUT,
            request=request,
            org=request.member.org if request.member else None,
            actor=request.user,
        )
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("accounts:login")


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            admin = services.create_organization(
                name=data["org_name"],
                slug=services.free_slug(data["org_name"]),
                admin_email=data["email"],
                admin_name=data["full_name"],
                admin_password=data["password"],
                admin_side=data["side"],
                request=request,
                kind=Kind.SIGNED_UP,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            _start_session(request, admin.user)
            messages.success(request, f"Welcome to Smarketing. {admin.org.name} is ready: invite your team next.")
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_request(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        user = user_by_email(email)
        services.record_audit_event(kind=Kind.PASSWORD_RESET_REQUESTED, request=request, actor=user, actor_label=email)
        if user is not None and user.is_active and user.has_usable_password() and not user.is_integration:
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            path = reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
            send_email(
                to=[user.email], template="password_reset", context={"link_path": path, "full_name": user.full_name}
            )
        # The same answer whether or not the address has an account: no way to probe for members.
        messages.info(request, "If that address has an account, a link to set a new password is on its way.")
        return redirect("accounts:login")
    return render(request, "accounts/password_reset.html", {"form": form})


def _user_from_link(uidb64: str, token: str) -> User | None:
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, token) and user.is_active else None


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _user_from_link(uidb64, token)
    if user is None or not user.has_usable_password():
        return render(request, "accounts/link_expired.html", status=400)
    form = SetPasswordForm(request.POST or None, user=user, ask_name=False)
    if request.method == "POST" and form.is_valid():
        services.set_password(
            user=user, password=form.cleaned_data["password"], kind=Kind.PASSWORD_RESET, request=request
        )
        messages.success(request, "Your password is set. Sign in with it.")
        return redirect("accounts:login")
    return render(request, "accounts/set_password.html", {"form": form, "title": "Set a new password"})


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _user_from_link(uidb64, token)
    member = current_membership(user=user, org_id=None) if user is not None else None
    if user is None or user.has_usable_password() or member is None:
        return render(request, "accounts/link_expired.html", status=400)
    form = SetPasswordForm(request.POST or None, user=user, ask_name=True)
    if request.method == "POST" and form.is_valid():
        services.accept_invitation(
            user=user, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password"], request=request
        )
        _start_session(request, user)
        messages.success(request, f"Welcome to {member.org.name}.")
        return redirect("home")
    context = {"form": form, "title": f"Join {member.org.name}", "member": None, "invited_member": member}
    return render(request, "accounts/set_password.html", context)


@member_required()
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "accounts/home.html", {})


@member_required()
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile = ProfileForm(initial={"full_name": user.full_name})
    password = PasswordChangeForm(user=user)
    if request.method == "POST" and request.POST.get("action") == "profile":
        profile = ProfileForm(request.POST)
        if profile.is_valid():
            services.change_profile(user=user, full_name=profile.cleaned_data["full_name"])
            messages.success(request, "Your name is saved.")
            return redirect("accounts:account")
    elif request.method == "POST" and request.POST.get("action") == "password":
        password = PasswordChangeForm(request.POST, user=user)
        if password.is_valid():
            services.set_password(
                user=user,
                password=password.cleaned_data["new_password"],
                kind=Kind.PASSWORD_CHANGED,
                org=request.member.org,
                request=request,
            )
            update_session_auth_hash(request, user)
            messages.success(request, "Your password is changed. Other sessions are signed out.")
            return redirect("accounts:account")
    elif request.method == "POST" and request.POST.get("action") in ("availability", "notifications"):
        return _account_settings(request)
    context = {
        "profile_form": profile,
        "password_form": password,
        "email_preferences": email_preferences_of(request.member),
        "shows_availability": request.member.side == Side.SALES,
    }
    return TemplateResponse(request, "accounts/account.html", context)


def _account_settings(request: HttpRequest) -> HttpResponse:
    """The account page's small forms: a rep marks themselves away; a member picks notices by e-mail."""
    member = request.member
    if request.POST["action"] == "availability":
        away = request.POST.get("is_away") == "on"
        services.set_rep_availability(by=member, member=member, is_away=away, max_open_leads=member.max_open_leads)
        if away:
            messages.success(request, "You are marked away: routing hands new leads to your colleagues meanwhile.")
        else:
            messages.success(request, "You are available: routing hands you new leads again.")
        return redirect("accounts:account")
    chosen = set(request.POST.getlist("email"))
    for kind, _label, by_email in email_preferences_of(member):
        if (kind in chosen) != by_email:
            services.set_email_preference(member=member, kind=kind, email=kind in chosen)
    messages.success(request, "Your notification settings are saved.")
    return redirect("accounts:account")


@member_required()
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    member = request.member
    context = {"page": paginate(request, notifications_of(member)), "unread": unread_count(member)}
    return TemplateResponse(request, "accounts/notifications.html", context)


@member_required()
@never_cache
@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The navigation bar's bell, polled every 30 seconds."""
    return TemplateResponse(request, "accounts/bell.html", {"unread": unread_count(request.member)})


@member_required()
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    ids = None if request.POST.get("all") else [int(pk) for pk in request.POST.getlist("id") if pk.isdigit()]
    done = services.mark_notifications_read(member=request.member, ids=ids)
    if ids is None:
        messages.success(request, f"All caught up: {done} notice{'s' if done != 1 else ''} marked read.")
    return redirect_after_post(request, "accounts:notifications")


@member_required()
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open what a notice is about, marking it read on the way."""
    notice = get_object_or_404(notifications_of(request.member), pk=pk)
    services.mark_notifications_read(member=request.member, ids=[notice.pk])
    local = notice.link.startswith("/") and url_has_allowed_host_and_scheme(
        notice.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(notice.link if local else reverse("accounts:notifications"))


@member_required()
@require_POST
def switch_org(request: HttpRequest) -> HttpResponse:
    try:
        org_id = int(request.POST.get("org", ""))
    except ValueError:
        org_id = None
    member = current_membership(user=request.user, org_id=org_id)
    if org_id is None or member is None or member.org_id != org_id:
        messages.error(request, "You are not a member of that organization.")
    else:
        request.session[SESSION_ORG_KEY] = org_id
        messages.info(request, f"You are now working in {member.org.name}.")
    return redirect("home")


@member_required(Capability.MANAGE_ORGANIZATION)
@require_http_methods(["GET", "POST"])
def org_settings(request: HttpRequest) -> HttpResponse:
    org = request.member.org
    initial = {field: getattr(org, field) for field in services.ORG_SETTINGS_FIELDS}
    form = OrganizationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_organization_settings(by=request.member, request=request, **form.cleaned_data)
        messages.success(request, "Settings saved.")
        return redirect("accounts:settings")
    context = {"form": form, "holiday_form": HolidayForm(), "holidays": holidays_of(org)}
    return TemplateResponse(request, "accounts/settings.html", context)


@member_required(Capability.MANAGE_ORGANIZATION)
@require_POST
def holiday_add(request: HttpRequest) -> HttpResponse:
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            services.add_holiday(
                by=request.member, day=form.cleaned_data["date"], name=form.cleaned_data["name"], request=request
            )
        except DomainError as error:
            form.add_error("date", error.message)
        else:
            form = HolidayForm()
    context = {"holiday_form": form, "holidays": holidays_of(request.member.org)}
    if request.htmx:
        return TemplateResponse(request, "accounts/settings.html#holidays", context)
    if form.errors:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("accounts:settings")


@member_required(Capability.MANAGE_ORGANIZATION)
@require_POST
def holiday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    holiday = get_object_or_404(holidays_of(request.member.org), pk=pk)
    services.remove_holiday(by=request.member, holiday=holiday, request=request)
    if request.htmx:
        context = {"holiday_form": HolidayForm(), "holidays": holidays_of(request.member.org)}
        return TemplateResponse(request, "accounts/settings.html#holidays", context)
    return redirect("accounts:settings")


@member_required(Capability.MANAGE_ORGANIZATION)
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest) -> HttpResponse:
    invite = InviteMemberForm(request.POST or None)
    if request.method == "POST" and invite.is_valid():
        data = invite.cleaned_data
        try:
            services.invite_member(
                by=request.member,
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                side=data["side"] or None,
                request=request,
            )
        except DomainError as error:
            for field, errors in error.fields.items():
                invite.add_error(field if field in invite.fields else None, errors)
            if not error.fields:
                invite.add_error(None, error.message)
        else:
            messages.success(request, f"Invitation sent to {data['email']}.")
            return redirect("accounts:members")
    context = {
        "members": members_visible_to(request.member),
        "invite_form": invite,
        "integration_form": IntegrationForm(),
        "role_form": RoleForm(),
    }
    return TemplateResponse(request, "accounts/members.html", context)


def _member_action(request: HttpRequest, pk: int, action) -> HttpResponse:
    target = get_object_or_404(members_visible_to(request.member), pk=pk)
    try:
        message = action(target)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    return redirect_after_post(request, "accounts:members")


@member_required(Capability.MANAGE_ORGANIZATION)
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    form = RoleForm(request.POST)

    def change(target):
        if not form.is_valid():
            raise DomainError("Pick a role.")
        services.change_member_role(
            by=request.member,
            member=target,
            role=form.cleaned_data["role"],
            side=form.cleaned_data["side"] or None,
            request=request,
        )
        return f"{target.name} is now {target.get_role_display().lower()}."

    return _member_action(request, pk, change)


@member_required(Capability.MANAGE_ORGANIZATION)
@require_POST
def member_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    def deactivate(target):
        services.deactivate_member(by=request.member, member=target, request=request)
        return f"{target.name} no longer has access. Their sessions and API tokens stopped working."

    return _member_action(request, pk, deactivate)


@member_required(Capability.MANAGE_ORGANIZATION)
@require_POST
def member_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    def reactivate(target):
        services.reactivate_member(by=request.member, member=target, request=request)
        return f"{target.name} has access again."

    return _member_action(request, pk, reactivate)


@member_required(Capability.MANAGE_ORGANIZATION)
@require_POST
def member_resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    def resend(target):
        services.resend_invitation(by=request.member, member=target)
        return f"Invitation sent again to {target.email}."

    return _member_action(request, pk, resend)


@member_required(Capability.MANAGE_ORGANIZATION)
@require_POST
def integration_add(request: HttpRequest) -> HttpResponse:
    form = IntegrationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the integration a name and a role.")
        return redirect("accounts:members")
    member = services.add_integration_member(
        by=request.member, name=form.cleaned_data["name"], role=form.cleaned_data["role"], request=request
    )
    messages.success(request, f"{member.name} is added. Create its API token here.")
    return redirect(f"{reverse('accounts:tokens')}?member={member.pk}")


@member_required()
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    initial = {"member": request.GET.get("member")} if request.GET.get("member") else None
    form = ApiTokenForm(request.POST or None, by=request.member, initial=initial)
    created_secret = None
    if request.method == "POST" and form.is_valid():
        _token, created_secret = services.create_api_token(
            by=request.member, member=form.cleaned_data["member"], name=form.cleaned_data["name"], request=request
        )
        form = ApiTokenForm(by=request.member)
    context = {"form": form, "tokens": api_tokens_visible_to(request.member), "created_secret": created_secret}
    # The secret is in this response only: never cached, never redirected to a page that could be reloaded.
    return TemplateResponse(request, "accounts/tokens.html", context)


@member_required()
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(api_tokens_visible_to(request.member), pk=pk)
    try:
        services.revoke_api_token(by=request.member, token=token, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Token “{token.name}” is revoked.")
    return redirect_after_post(request, "accounts:tokens")


@member_required(Capability.VIEW_AUDIT_LOG)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    events = audit_events_visible_to(request.member, kind=kind if kind in AuditEvent.Kind.values else None)
    context = {"page": paginate(request, events), "kinds": AuditEvent.Kind.choices, "kind": kind}
    template = "accounts/audit_log.html#events" if request.htmx else "accounts/audit_log.html"
    return TemplateResponse(request, template, context)
