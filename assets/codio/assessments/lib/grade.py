"""Codio's grading helpers (``lib.grade``), as gradebox provides them to ``script`` graders.

Grading scripts written for Codio run unchanged::

    import sys
    sys.path.append('/usr/share/codio/assessments')
    from lib.grade import send_grade

Each function reports to the run's own endpoint, whose URLs gradebox puts in the environment
(``CODIO_AUTOGRADE_URL``, ``CODIO_AUTOGRADE_V2_URL``, ``CODIO_PARTIAL_POINTS_URL``,
``CODIO_PARTIAL_POINTS_V2_URL``), and returns True when the report was accepted, False (with
the reason on stderr) when it was not. Python 3 standard library only.
"""
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

FORMAT_V2_MD = 'md'
FORMAT_V2_HTML = 'html'
FORMAT_V2_TXT = 'txt'

# The endpoint is on the run's own loopback: never go through a proxy the image configures.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _report(variable, params, post):
    base = os.environ.get(variable)
    if not base:
        print('lib.grade: %s is not set; this script is not running as a grader' % variable, file=sys.stderr)
        return False
    data = urllib.parse.urlencode(params)
    if post:
        request = urllib.request.Request(base, data=data.encode('utf-8'), method='POST',
                                         headers={'Content-Type': 'application/x-www-form-urlencoded'})
    else:
        request = urllib.request.Request(base + '&' + data)
    try:
        with _OPENER.open(request, timeout=60) as response:
            response.read()
            return True
    except urllib.error.HTTPError as error:
        detail = error.read().decode('utf-8', 'replace').strip()
        print('lib.grade: the report was refused (HTTP %d): %s' % (error.code, detail), file=sys.stderr)
    except (urllib.error.URLError, OSError) as error:
        print('lib.grade: the report could not be sent: %s' % (error,), file=sys.stderr)
    return False


def send_grade(grade):
    """Reports the assignment's grade, 0 to 100."""
    return _report('CODIO_AUTOGRADE_URL', {'grade': grade}, post=False)


def send_grade_v2(grade, feedback, format=FORMAT_V2_MD):
    """Reports the grade, 0 to 100, with feedback for the student in `format` (md, html or txt)."""
    return _report('CODIO_AUTOGRADE_V2_URL', {'grade': grade, 'format': format, 'feedback': feedback}, post=True)


def send_partial(points):
    """Reports the points a part earned (0 to the part's points)."""
    return _report('CODIO_PARTIAL_POINTS_URL', {'points': points}, post=False)


def send_partial_v2(points, feedback, format=FORMAT_V2_MD):
    """Reports the points a part earned, with feedback for the student in `format`."""
    return _report('CODIO_PARTIAL_POINTS_V2_URL', {'points': points, 'format': format, 'feedback': feedback}, post=True)
