from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from patternwork.accounts import passkeys
from patternwork.accounts.access import deny_not_found, require_role


def staff_view(*roles: str):
    """Guard a staff page: logged in, second factor verified, an active member, right role.

    An admin of a practice that requires passkeys must have finished the second step
    with a passkey; a session verified with a code is sent to the passkey step.

    Someone who is not a member of any practice (a client, later) gets a 404: staff
    pages do not exist for them. A member with the wrong role gets an audited 403, or
    an audited 404 on a page about one object, so that no answer ever depends on
    whether an object of another practice exists.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            # A client (no practice membership) gets a 404 before any second-factor step:
            # staff pages, their two-factor setup included, do not exist for them.
            if request.membership is None:
                raise deny_not_found(
                    user=request.user,
                    membership=None,
                    object_type="page",
                    object_id=request.path[:64],
                )
            if not request.user.is_verified():
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('clinic:otp-verify')}?{query}")
            if passkeys.passkey_required(request.membership) and not passkeys.verified_with_passkey(
                request.user
            ):
                # An admin of a practice that requires passkeys: a code is not enough.
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('clinic:passkey-verify')}?{query}")
            if roles and request.membership.role not in roles and "public_id" in kwargs:
                raise deny_not_found(
                    user=request.user,
                    membership=request.membership,
                    object_type="page",
                    object_id=str(kwargs["public_id"]),
                )
            if roles:
                require_role(request, *roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def member_password_stage(view):
    """Guard a step of the staff login after the password: a logged-in practice member.

    A client's login (no active membership) gets an audited 404, as on every staff
    page: the staff second-factor pages do not exist for it, so a client can never
    enrol or use a staff authenticator device.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.membership is None:
            raise deny_not_found(
                user=request.user,
                membership=None,
                object_type="page",
                object_id=request.path[:64],
            )
        return view(request, *args, **kwargs)

    return wrapped


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"
