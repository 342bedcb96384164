from django.urls import path

from patternwork.portal.views import offers

urlpatterns = [path("portal/offers/<uuid:public_id>/", offers.offer, name="offer")]
