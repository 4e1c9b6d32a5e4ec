"""The benchmark command's wrk output parser (no server, no wrk needed)."""

import pytest

from devtools.management.commands.bench import parse_wrk_output, to_ms

WRK_OUTPUT = """\
Running 15s test @ http://127.0.0.1:8765/account-sign-in/reset-your-password/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    11.87ms    9.64ms 212.48ms   93.12%
    Req/Sec   362.41     41.07   474.00     71.33%
  Latency Distribution
     50%  850.00us
     75%   12.31ms
     90%   17.02ms
     99%    1.25s
  10835 requests in 15.02s, 154.93MB read
  Socket errors: connect 0, read 0, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:    721.37
Transfer/sec:     10.31MB
"""


def test_parses_requests_per_second_and_percentiles_in_ms():
    numbers = parse_wrk_output(WRK_OUTPUT)
    assert numbers["requests_per_sec"] == pytest.approx(721.37)
    assert numbers["p50_ms"] == pytest.approx(0.85)  # us
    assert numbers["p99_ms"] == pytest.approx(1250.0)  # s
    assert numbers["requests"] == 10835
    assert numbers["socket_errors"] == 3
    assert numbers["non_2xx_3xx"] == 7


def test_milliseconds_and_a_clean_run():
    output = WRK_OUTPUT.replace("850.00us", "4.98ms").replace("1.25s", "9.10ms")
    output = output.replace("timeout 3", "timeout 0").replace("  Non-2xx or 3xx responses: 7\n", "")
    numbers = parse_wrk_output(output)
    assert numbers["p50_ms"] == pytest.approx(4.98)
    assert numbers["p99_ms"] == pytest.approx(9.10)
    assert numbers["socket_errors"] == 0
    assert numbers["non_2xx_3xx"] == 0


def test_thread_stats_latency_is_not_taken_for_a_percentile():
    output = WRK_OUTPUT.split("  Latency Distribution")[0] + "Requests/sec:    10.00\n"
    numbers = parse_wrk_output(output)
    assert numbers["requests_per_sec"] == pytest.approx(10.0)
    assert numbers["p50_ms"] is None and numbers["p99_ms"] is None


def test_failed_run_raises():
    with pytest.raises(ValueError):
        parse_wrk_output("unable to connect to 127.0.0.1:8765 Connection refused\n")


@pytest.mark.parametrize(("value", "unit", "ms"), [("250", "us", 0.25), ("3.5", "ms", 3.5), ("2", "s", 2000.0)])
def test_to_ms(value, unit, ms):
    assert to_ms(value, unit) == pytest.approx(ms)


@pytest.mark.django_db
def test_the_cold_insights_row_rotates_distinct_filters_that_all_answer(client, topic, settings):
    from django.contrib.messages import get_messages

    from devtools.management.commands.bench import Command

    page = Command().insights_cold_page()
    assert page.env == {"PORTAL_INSIGHTS_CACHE_SECONDS": "0"}
    assert len(set(page.paths)) == len(page.paths) >= 10
    assert any(f"topic={topic.pk}" in path for path in page.paths)
    settings.INSIGHTS_CACHE_SECONDS = 0
    name, _sep, value = page.cookie.partition("=")
    client.cookies[name] = value
    for path in page.paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"], path  # none refused
