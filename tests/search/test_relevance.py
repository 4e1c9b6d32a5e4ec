"""Relevance over the demo content: 51 queries a customer would type (English and Japanese, with typos,
two-character Japanese words and Japanese written as a sentence), each with the article or question a support
agent would expect in the top 3. All but one must pass on each backend."""

from pathlib import Path

import pytest

from search.backends.base import SearchQuery
from search.backends.database import DatabaseBackend
from search.models import SearchDocument
from tests.search.es_fixtures import es_backend, osmem_url  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

CASES = [
    ("reset password", ["Reset your password"]),
    ("pasword reset", ["Reset your password"]),
    ("forgot password email never arrives", ["Forgot password and the reset email never arrives"]),
    ("two factor authentication", ["Turn on two-factor authentication"]),
    ("refund", ["Request a refund", "Refund policy"]),
    ("cancel nimbus plus", ["Cancel Nimbus Plus"]),
    ("hub offline", ["Nimbus Hub is offline"]),
    ("blinking orange light", ["Hub LED blinks orange after the 4.2 firmware update", "What the lights on Nimbus devices mean"]),
    ("error codes", ["Nimbus error codes"]),
    ("factory reset", ["Factory reset your Nimbus devices"]),
    ("track my order", ["Track your order"]),
    ("customs duties", ["Customs, duties and taxes"]),
    ("damaged package", ["Damaged, missing or incomplete package"]),
    ("change email address", ["Change the email address on your account", "Change the email address on my Nimbus account"]),
    ("delete account", ["Delete your Nimbus account", "Delete my account and all recordings"]),
    ("invoices", ["Download invoices and receipts"]),
    ("payment failed", ["Fix a failed Nimbus Plus payment"]),
    ("how long are recordings kept", ["How long recordings are kept", "How long are camera recordings kept without Nimbus Plus?"]),
    ("thermo not heating", ["Nimbus Thermo isn't heating"]),
    ("camera battery drains", ["Outdoor camera battery drains in 5 days instead of 3 months"]),
    ("app crashes", ["The Nimbus app crashes or freezes"]),
    ("firmware update stuck", ["Hub firmware update stuck at 42%"]),
    ("パスワード", ["パスワードをリセットする方法"]),
    ("払い戻し", ["払い戻しを申請する", "払い戻しポリシー"]),
    ("返金", ["払い戻しを申請する", "払い戻しポリシー"]),
    ("オフライン", ["Nimbus Hub がオフラインになる"]),
    ("エラーコード", ["エラーコード一覧"]),
    ("段階認証", ["2 段階認証をオンにする"]),
    ("送料", ["配送日数と送料"]),
    ("アカウント ロック", ["アカウントがロックされた場合"]),
    # Japanese typed as a sentence (no spaces, particles and verb endings): cut into its words
    ("パスワードを忘れました", ["パスワードをリセットする方法"]),
    ("返金してほしい", ["払い戻しを申請する", "払い戻しポリシー", "Nimbus Plus の解約方法と返金について"]),
    ("ハブがオフラインになった", ["Nimbus Hub がオフラインになる", "Nimbus Hubが頻繁にオフラインになります"]),
    ("モーションセンサーの通知が届かない", ["モーションセンサーの通知が届かなくなりました"]),
    ("荷物が届かない", ["配達済みになっているのに荷物が届いていません"]),
    ("Wi-Fi につながらない", ["ルーターを交換してから屋内カメラがつながりません", "Wi-Fi とネットワークの要件",
                              "屋外カメラの Wi-Fi 接続が不定期に切れる"]),
    ("メールアドレスを変更したい", ["アカウントのメールアドレスを変更したい"]),
    ("二段階認証のコードが無効", ["二段階認証のコードが「無効」と表示されてログインできません"]),
    ("スマートプラグをハブに追加できない", ["スマートプラグをハブに追加できません"]),
    ("解約したい", ["Nimbus Plus を解約する", "Nimbus Plus の解約方法と返金について"]),
    ("二段階認証を設定したい", ["2 段階認証をオンにする", "二段階認証のコードが「無効」と表示されてログインできません"]),
    # English asked as a question: filler words and apostrophe-less negations are not required, and the demo's
    # synonym groups (devtools/search_demo.py) bridge the customer's words and the articles'
    ("hub keeps going offline", ["Nimbus Hub is offline", "Nimbus Hub keeps dropping off Wi-Fi every few hours"]),
    ("how do i get my money back", ["Request a refund", "Refund policy"]),
    ("cant log in", ["Sign in with Apple or Google", "My account is locked", "Reset your password",
                     "Forgot password and the reset email never arrives"]),
    ("account blocked", ["My account is locked"]),
    ("how long does shipping take", ["Shipping times and costs"]),
    ("update credit card", ["Update your payment method"]),
    ("how long are videos stored", ["How long recordings are kept", "How long are camera recordings kept without Nimbus Plus?"]),
    ("smart plug wont pair", ["Pair Nimbus Plug smart plugs", "Adding a second Smart Plug fails at the pairing step"]),
    ("two step verification", ["Turn on two-factor authentication"]),
    ("notifications not working", ["Notifications arrive 5 minutes late on iPhone",
                                   "No notifications from the Video Doorbell even though alerts are on",
                                   "No notifications from the Motion Sensor even though alerts are on"]),
]


@pytest.fixture
def demo(shared_demo):
    """The demo, loaded once for every test that only reads it (tests/shared_demo.py)."""
    articles = Path(__file__).resolve().parents[2] / "devtools" / "demo_content" / "knowledge"
    assert SearchDocument.objects.filter(kind="article").count() == len(list(articles.glob("*/*/*.md")))
    assert SearchDocument.objects.filter(kind="question").count() >= 150


def score(backend) -> tuple[int, list[str]]:
    misses = []
    for text, expected in CASES:
        titles = [hit.title for hit in backend.search(SearchQuery(text=text)).hits[:3]]
        if not set(titles) & set(expected):
            misses.append(f"{text!r}: got {titles}")
    return len(CASES) - len(misses), misses


def test_relevance_database(demo):
    passed, misses = score(DatabaseBackend())
    print(f"database backend: {passed}/{len(CASES)} in the top 3", *misses, sep="\n")
    assert passed == len(CASES), "\n".join(misses)


def test_relevance_elasticsearch(demo, es_backend):  # noqa: F811 - fixture
    # One bulk load (as search_rebuild does) rather than ~220 single writes with the page-view timeout of
    # 1 s each: this test is about ranking, and single writes are covered by test_elasticsearch.py.
    es_backend.bulk_index(SearchDocument.objects.all(), es_backend.alias_indexes()[0])
    es_backend.refresh()
    passed, misses = score(es_backend)
    print(f"elasticsearch backend: {passed}/{len(CASES)} in the top 3", *misses, sep="\n")
    assert passed == len(CASES), "\n".join(misses)
