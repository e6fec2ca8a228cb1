import math

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from sms.models import Purpose

from . import charts, metrics, report
from .models import Entry
from .report import PURPOSE_TITLES, PURPOSES, milliseconds, percent, seconds_text

OUTCOMES = (
    ("Delivered", "s-ok", "delivered"),
    ("Undelivered", "s-warn", "undelivered"),
    ("Failed", "s-danger", "failed"),
    ("Outcome unknown", "s-unknown", "unknown"),
)
PURPOSE_CSS = {Purpose.VERIFICATION: "s-1", Purpose.TEST: "s-2"}
MINUS = "\N{MINUS SIGN}"


@login_required
@require_GET
@never_cache
def insights(request):
    """The staff insights page: the success metrics and what explains them."""
    if not request.user.is_staff:
        raise Http404
    days = period_from(request.GET.get("days"))
    data = report.build(days)
    return render(request, "insights/page.html", page_context(data))


def period_from(value):
    try:
        days = int(value)
    except (TypeError, ValueError):
        return report.DEFAULT_PERIOD
    return days if days in report.PERIODS else report.DEFAULT_PERIOD


@require_GET
@never_cache
def prometheus_metrics(request):
    """Prometheus's scrape target; 404 unless METRICS_TOKEN or METRICS_ALLOWED_IPS is set."""
    status = metrics.refusal(request)
    if status == 404:
        raise Http404
    if status is not None:
        response = HttpResponse(status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(metrics.registry()), content_type=CONTENT_TYPE_LATEST)


# What the template shows, worked out here so the template only lays it out.


def page_context(data):
    period = data.period
    return {
        "report": data,
        "period": period,
        "periods": [(days, days == period.days) for days in report.PERIODS],
        "weeks": period.weeks,
        "metrics": [(metric, metric_chart(metric, n)) for n, metric in enumerate(data.metrics)],
        "discovery": discovery_context(data.discovery),
        "funnel": funnel_context(data.funnel),
        "delivery": delivery_context(data),
        "cost": cost_context(data),
        "latency": latency_context(data),
    }


def metric_chart(metric, n):
    values = [point.value for point in metric.trend if point.value is not None]
    if metric.higher_is_better:
        # Zoomed on the target: 5-point steps below the lowest week (or the target).
        low = max(0.0, math.floor((min([*values, metric.target]) - 0.05) * 20) / 20)
        high, fmt = 1.0, percent
    else:
        finite = [value for value in values if value < report.latency.OVERFLOW_MS]
        low, high = 0, charts.nice_ceiling(max([metric.target, *finite]) * 1.25)
        fmt = milliseconds
    return charts.trend(
        f"trend-{n}",
        f"{metric.title}, week by week",
        metric.trend,
        target=metric.target,
        low=low,
        high=high,
        fmt=fmt,
    )


def discovery_context(discovery):
    items = [
        (entry.label, ratio.value or 0, "s-1")
        for entry, count, ratio in discovery.by_entry
        if count or entry in (Entry.QUICK_ACTION, Entry.PHONE_WIDGET, Entry.SIDEBAR)
    ]
    items.append(
        (
            "Not within 7 days",
            discovery.missed.value or 0,
            "s-none",
        )
    )
    return {
        "data": discovery,
        "chart": charts.hbars(
            "discovery-chart",
            "How accounts first reached phone management, share of the cohort",
            items,
            maximum=1,
            label_width=190,
            fmt=percent,
        ),
    }


def funnel_context(rows):
    total = rows[0]
    steps = total.steps
    return {
        "rows": rows,
        "countries": rows[1:],
        "steps": [
            {
                "title": title,
                "cells": [(f"{row.steps[n][1]:,}", drop_text(row.steps[n][3])) for row in rows],
            }
            for n, (title, *_rest) in enumerate(steps)
        ],
        "chart": charts.hbars(
            "funnel-chart",
            "Verification funnel, all countries",
            [(title, count, "s-1") for title, count, *_ in steps],
            label_width=130,
            fmt=lambda value: f"{value:,}",
        ),
    }


def drop_text(dropped):
    if dropped is None or not dropped.part:
        return ""
    return f"{MINUS}{dropped.part:,} ({percent(dropped.value)})"


def delivery_context(data):
    delivery, period = data.delivery, data.period
    labels = [f"{day:%b} {day.day}" for day in period.dates]
    rates = [
        (
            PURPOSE_TITLES[purpose],
            PURPOSE_CSS[purpose],
            [outcomes.ratio.value for outcomes in delivery.by_day[purpose]],
        )
        for purpose in PURPOSES
    ]
    values = [value for _, _, series in rates for value in series if value is not None]
    low = min([*values, 0.99])
    low = max(0, min(0.98, int(low * 20) / 20))  # a 5 % step below the lowest day
    failures = [
        (
            name,
            css,
            [
                sum(getattr(delivery.by_day[purpose][n], field) for purpose in PURPOSES)
                for n in range(len(period.dates))
            ],
        )
        for name, css, field in OUTCOMES[1:]
    ]
    overall = delivery.overall
    columns = [(PURPOSE_TITLES[purpose], delivery.totals[purpose]) for purpose in PURPOSES]
    columns.append(("All", overall))
    summary = [
        (name, [f"{getattr(outcomes, field):,}" for _, outcomes in columns])
        for name, _, field in OUTCOMES
    ]
    summary.append(("Delivery rate", [outcomes.ratio.percent for _, outcomes in columns]))
    summary.append(("In flight (not counted)", [f"{o.in_flight:,}" for _, o in columns]))
    summary.append(("Not handed to Twilio (not counted)", [f"{o.withheld:,}" for _, o in columns]))
    times = [delivery.times[purpose] for purpose in PURPOSES]
    summary.append(("Time to delivery, median", [seconds_text(t[1]) for t in times] + [""]))
    summary.append(
        ("Time to delivery, 95th percentile", [seconds_text(t[2]) for t in times] + [""])
    )
    per_day = [
        {
            "title": PURPOSE_TITLES[purpose],
            "rows": [
                (day, outcomes)
                for day, outcomes in zip(period.dates, delivery.by_day[purpose], strict=True)
                if outcomes.counted or outcomes.in_flight
            ],
        }
        for purpose in PURPOSES
    ]
    countries = [
        (country or "—", [by_purpose[purpose] for purpose in PURPOSES])
        for country, by_purpose in delivery.by_country.items()
    ]
    country_items = [
        (
            country,
            sum(o.delivered for o in outcomes) / (sum(o.counted for o in outcomes) or 1),
            "s-ok",
        )
        for country, outcomes in countries
        if sum(o.counted for o in outcomes)
    ]
    time_items = [
        (f"{PURPOSE_TITLES[purpose]}, {label}", value or 0, PURPOSE_CSS[purpose])
        for purpose, (_, p50, p95) in zip(PURPOSES, times, strict=True)
        for label, value in (("median", p50), ("95th percentile", p95))
    ]
    return {
        "columns": [name for name, _ in columns],
        "summary": summary,
        "per_day": per_day,
        "countries": countries,
        "errors": delivery.errors,
        "rate_chart": charts.lines(
            "delivery-rate-chart",
            "Delivery rate per day",
            labels,
            rates,
            low=low,
            high=1,
            target=0.99,
            fmt=percent,
            description="Codes: "
            + percent(delivery.totals[Purpose.VERIFICATION].ratio.value)
            + "; tests: "
            + percent(delivery.totals[Purpose.TEST].ratio.value)
            + " over the period.",
        ),
        "rate_legend": charts.legend(rates),
        "failure_chart": charts.columns(
            "delivery-failures-chart",
            "SMS not delivered per day, by outcome",
            labels,
            failures,
            fmt=lambda value: f"{value:,.0f}",
            description=", ".join(f"{name}: {sum(v):,}" for name, _, v in failures),
        ),
        "failure_legend": charts.legend(failures),
        "country_chart": charts.hbars(
            "delivery-country-chart",
            "Delivery rate by country",
            country_items,
            maximum=1,
            label_width=60,
            fmt=percent,
        ),
        "error_chart": charts.hbars(
            "delivery-errors-chart",
            "Most frequent Twilio error codes",
            [(str(row["error_code"]), row["total"], "s-danger") for row in delivery.errors],
            label_width=60,
            fmt=lambda value: f"{value:,}",
        ),
        "time_chart": charts.hbars(
            "delivery-time-chart",
            "Time from sending to delivery",
            time_items,
            label_width=170,
            fmt=seconds_text,
        ),
    }


def cost_context(data):
    cost, period = data.cost, data.period
    labels = [f"{day:%b} {day.day}" for day in period.dates]
    series = [
        (
            PURPOSE_TITLES[purpose],
            PURPOSE_CSS[purpose],
            [cost.by_day[day][purpose] for day in period.dates],
        )
        for purpose in PURPOSES
    ]
    columns = [(country, purpose) for country in cost.countries for purpose in PURPOSES]
    per_day = [
        (day, [cost.cells.get((day, country, purpose), 0) for country, purpose in columns])
        for day in period.dates
    ]
    return {
        "data": cost,
        "chart": charts.columns(
            "cost-chart",
            "SMS segments per day, by purpose",
            labels,
            series,
            fmt=lambda value: f"{value:,.0f}",
            description=", ".join(
                f"{name}: {sum(values):,} segments" for name, _, values in series
            ),
        ),
        "legend": charts.legend(series),
        "countries": [
            (country or "—", [cost.by_country[country][purpose] for purpose in PURPOSES])
            for country in cost.countries
        ],
        "day_columns": [
            f"{country or '—'} {PURPOSE_TITLES[purpose].lower()}" for country, purpose in columns
        ],
        "per_day": [(day, cells, sum(cells)) for day, cells in per_day if any(cells)],
    }


def latency_context(data):
    rows = []
    items = []
    for result in data.latencies:
        target = result.target
        p50 = report.bucket_quantile(0.5, result.buckets)
        p95 = report.bucket_quantile(target.quantile, result.buckets)
        share = report.within(result.buckets, target.seconds)
        rows.append(
            {
                "target": target,
                "views": report.describe_views(target),
                "requests": result.requests,
                "p50": milliseconds(p50),
                "p95": milliseconds(p95),
                "within": share.percent,
                "limit": milliseconds(target.seconds * 1000),
                "met": report.meets(share.value, target.quantile),
            }
        )
        items.append((f"{target.title}: p95", min(p95 or 0, 10_000), "s-1"))
        items.append((f"{target.title}: target", target.seconds * 1000, "s-none"))
    return {
        "rows": rows,
        "chart": charts.hbars(
            "latency-chart",
            "95th percentile server time against the target",
            items,
            label_width=230,
            fmt=milliseconds,
        ),
    }
