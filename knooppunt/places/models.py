"""Dutch administrative geography, loaded from CBS reference data (see data/SOURCES.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    code = models.CharField(_("code"), max_length=4, unique=True)  # PV20
    abbreviation = models.CharField(_("abbreviation"), max_length=3)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class CoropRegion(models.Model):
    code = models.CharField(_("code"), max_length=4, unique=True)  # CR01
    name = models.CharField(_("name"), max_length=100)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="corop_regions")

    class Meta:
        ordering = ["name"]
        verbose_name = _("COROP region")
        verbose_name_plural = _("COROP regions")

    def __str__(self) -> str:
        return self.name


class LabourMarketRegion(models.Model):
    code = models.CharField(_("code"), max_length=4, unique=True)  # AM01
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("labour-market region")
        verbose_name_plural = _("labour-market regions")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    code = models.CharField(_("CBS code"), max_length=6, unique=True)  # GM0828
    name = models.CharField(_("name"), max_length=100, db_index=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="municipalities")
    corop_region = models.ForeignKey(
        CoropRegion, on_delete=models.PROTECT, related_name="municipalities"
    )
    labour_market_region = models.ForeignKey(
        LabourMarketRegion, on_delete=models.PROTECT, related_name="municipalities"
    )
    # The centroid of the municipality's area (WGS84), for distances in matching.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class Place(models.Model):
    """A woonplaats (town or village) as CBS spells it, inside one municipality."""

    code = models.CharField(_("CBS place code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    folded_name = models.CharField(max_length=100, db_index=True)
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="places")
    is_ambiguous = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return self.name
