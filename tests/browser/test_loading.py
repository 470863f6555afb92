"""Never blank, never jumping: every navigation and filter shows a loading state at once, the old
page stays on screen (dimmed) until the new one replaces it in place, and the measure page
reserves the chart's space so nothing moves when Plotly draws it."""

from __future__ import annotations

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.leak_city,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]

# Every 50 ms: is there text in the page's main area, and is a loading indicator on screen? Also
# the moment of the reader's action and the moment the indicator first showed, from events.
SAMPLER = """() => {
  if (!window.__aimWatch) {
    const now = () => performance.now() - window.__aimT0;
    const shown = () => [...document.querySelectorAll('.page-loading')]
        .some(e => e.getBoundingClientRect().height > 0);
    // The action's task (a click, the form's submit that it sets off, a popstate) ends before a
    // task queued from it runs: is the page already marked as loading by then?
    const act = () => {
      if (window.__aimAction !== null) return;
      window.__aimAction = now();
      setTimeout(() => {
        window.__aimMarked = document.documentElement.classList.contains('aim-navigating');
      }, 0);
    };
    document.addEventListener('click', act, true);
    document.addEventListener('submit', act, true);
    window.addEventListener('popstate', act, true);
    new MutationObserver(() => {
      if (window.__aimShown === null && window.__aimAction !== null && shown()) window.__aimShown = now();
    }).observe(document.documentElement, {attributes: true, childList: true, subtree: true});
    window.__aimWatch = () => {
      window.__aimSamples = []; window.__aimAction = null; window.__aimShown = null;
      window.__aimMarked = null;
      window.__aimT0 = performance.now();
      clearInterval(window.__aimTimer);
      window.__aimTimer = setInterval(() => {
        const main = document.getElementById('_pages_content');
        window.__aimSamples.push({t: now(), text: main ? main.innerText.trim().length : 0, loading: shown()});
      }, 50);
    };
    window.__aimPage = 1;  // gone if the whole page reloads
  }
  window.__aimWatch();
}"""


def _watch(page):
    page.evaluate(SAMPLER)


def _check(page, what: str) -> None:
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.page-loading')]"
        ".some(e => e.getBoundingClientRect().height > 0)"
    )
    page.wait_for_timeout(200)  # a few samples after the new page is in
    result = page.evaluate(
        "() => { clearInterval(window.__aimTimer);"
        " return {samples: window.__aimSamples, action: window.__aimAction, shown: window.__aimShown,"
        " marked: window.__aimMarked,"
        " same: window.__aimPage === 1}; }"
    )
    samples, action = result["samples"], result["action"]
    assert result["same"], f"{what}: the whole page was reloaded (a blank page between the two)"
    assert action is not None, what
    assert samples and all(s["text"] > 0 for s in samples), f"{what}: the main area was empty"
    # The loading state starts in the same task as the reader's action, before anything else runs:
    # what keeps it within 100 ms is the next paint, not a timing this shared machine could honour.
    assert result["marked"] is True, f"{what}: the loading state did not start with the action"
    assert result["shown"] is not None, f"{what}: no loading indicator was ever on screen"
    after = [s for s in samples if s["t"] >= action]
    assert after and after[0]["loading"], f"{what}: no loading state at the first look after the action"


def test_links_forms_and_the_back_button_never_leave_the_page_blank_and_show_progress_at_once(page, site):
    page.goto(site + "/")
    page.locator("main h1").first.wait_for()

    _watch(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="All measures").click()
    page.get_by_text("measures shown.").wait_for()
    _check(page, "link to /measures")

    _watch(page)
    page.get_by_label("Status", exact=True).select_option("off_track")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**status=off_track**")
    _check(page, "search form")
    assert page.locator("main table.measure-table tbody tr").first.locator(".status-badge").first.inner_text()
    assert "priority=" not in page.url and "q=" not in page.url  # "any" and empty fields left out

    _watch(page)
    page.go_back()
    page.wait_for_url(site + "/measures")
    _check(page, "back button")
    assert page.get_by_label("Status", exact=True).input_value() == "all"

    _watch(page)
    page.locator("main table.measure-table tbody th a").first.click()
    _check(page, "link to a measure")
    page.locator("#measure-status").wait_for()

    _watch(page)
    page.get_by_label("Period", exact=True).select_option(index=1)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**period=**")
    _check(page, "period form")
    page.locator("#measure-status").wait_for()


def test_a_status_count_on_the_home_page_opens_the_list_filtered_by_it(page, site):
    page.goto(site + "/")
    page.locator("main h1").first.wait_for()
    counts = page.get_by_role("list", name="All measures by status")
    link = counts.get_by_role("link").filter(has_text="Off track")
    expected = link.inner_text().split()[-1]
    link.click()
    page.wait_for_url("**/measures?status=off_track**")
    page.get_by_text(f"{expected} of").wait_for()
    assert page.get_by_label("Status", exact=True).input_value() == "off_track"


def test_the_measure_page_does_not_shift_when_the_chart_draws(page, site):
    page.goto(site + "/measures/violent-crimes?period=2025")
    page.locator("#measure-chart .main-svg").first.wait_for()
    page.wait_for_timeout(500)
    shift = page.evaluate(
        """() => new Promise(resolve => {
            let total = 0;
            new PerformanceObserver(list => {
                for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
            }).observe({type: 'layout-shift', buffered: true});
            setTimeout(() => resolve(total), 300);
        })"""
    )
    assert shift < 0.05


def test_only_a_page_with_a_chart_loads_plotly_and_it_is_the_basic_bundle(page, site):
    plotly = []
    page.on("response", lambda r: plotly.append(r) if "plotly" in r.url else None)
    # The home page draws the index over time (issue 12): not a page without a chart.
    page.goto(site + "/measures")
    page.locator("main table.measure-table").first.wait_for()
    page.goto(site + "/departments")
    page.locator("main h1").first.wait_for()
    assert plotly == []
    page.goto(site + "/measures/violent-crimes")
    page.locator("#measure-chart .main-svg").first.wait_for()
    assert [r.url.split("/_dash-component-suites/")[-1] for r in plotly] == [
        "plotly/package_data/plotly.min.js"
    ]
    assert int(plotly[0].headers.get("content-length") or len(plotly[0].body())) < 1_300_000
    # The traces the chart uses are there; the full bundle's 3-D ones are not.
    traces = page.evaluate("() => Object.keys(window.Plotly.PlotSchema.get().traces)")
    assert "scatter" in traces and "scatter3d" not in traces
