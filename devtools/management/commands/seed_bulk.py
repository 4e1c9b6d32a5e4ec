"""Benchmark-sized community data, fast: `manage.py seed_bulk --questions 100000`.

Not for real content. Rows are written with `bulk_create` in batches inside one transaction per block of
questions, NOT through the services (100,000 questions through the services would take hours): so this
command itself keeps every counter consistent with the rows it writes, exactly as the services would
(`recompute_community --check` agrees afterwards):

- questions by ~2,000 generated members `bulk-user-N` (verified address, profile, one
  shared precomputed password hash: the demo password), spread over the demo topics in English and
  Japanese, 1–3 tags each from a small fixed set, and followed by their asker (follower_count 1);
- about `--answers-per-question` answers each (some questions none), with up- and down-votes (`Vote` rows
  plus their `VoteEvent` ledger rows) giving varied scores, an accepted answer on about 40% of the
  answered questions (with its `Acceptance` ledger row), comments on some questions and answers;
- one benchmark question, "Benchmark: hub keeps dropping off Wi-Fi (50 answers)", with exactly 50 answers
  and 200 comments, an ordinary question on its ordinary URL (asked by a generated member, so `--reset`
  removes it too and `manage.py bench` finds it).

The product's models carry no mark of generated data: whatever the generated members (`bulk-user-N`) wrote
is generated (`devtools.generated`).

Markdown is rendered once per template text and the HTML reused. Idempotent: with N bulk questions already
there it does nothing; with fewer it adds the missing ones; `--reset` deletes every bulk row and bulk
member first. On SQLite it switches `synchronous` off for its own connection while it runs.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from community import caching, member_stats
from community.models import (
    Acceptance,
    Answer,
    Comment,
    Follow,
    MeToo,
    PostRevision,
    Question,
    TaggedQuestion,
    Vote,
    VoteEvent,
)
from community.rewards import backfill as reputation_backfill
from community.rewards import badges, ledger
from community.rewards.leaderboards import rebuild as rebuild_leaderboards
from community.rewards.models import BadgeAward, ReputationEvent
from devtools.community_demo import DEMO_PASSWORD
from devtools.generated import BULK_USER, generated_questions
from devtools.management.commands.seed_cases import forget_generated_cases
from devtools.management.commands.seed_review_queue import forget_generated_items
from knowledge.models import TopicPage
from portal.management.commands.update_statistics import update_statistics
from portal.models import Profile
from portal.sanitize import render_markdown
from search.indexing import ensure_index

BENCHMARK_TITLE = "Benchmark: hub keeps dropping off Wi-Fi (50 answers)"
BENCHMARK_ANSWERS = 50
BENCHMARK_COMMENTS = 200
QUESTIONS_PER_TRANSACTION = 2_500
INSERT_BATCH = 5_000
SPREAD_DAYS = 730
TAGS = ["hub", "wifi", "camera", "sensor", "smart-plug", "thermostat", "app", "firmware", "battery", "pairing",
        "notifications", "billing"]

PRODUCTS = {
    "en": ["Nimbus Hub", "Indoor Camera", "Outdoor Camera", "Motion Sensor", "Door & Window Sensor", "Smart Plug",
           "Nimbus Thermostat", "Video Doorbell"],
    "ja": ["Nimbus Hub", "屋内カメラ", "屋外カメラ", "モーションセンサー", "開閉センサー", "スマートプラグ",
           "Nimbus サーモスタット", "ビデオドアホン"],
}
# (topic slug, kind of answers, title, body) per language; {p} is a product.
QUESTION_TEMPLATES = {
    "en": [
        ("troubleshooting", "tech", "{p} keeps going offline at night",
         "My {p} goes offline most nights between 1 and 4 am and comes back in the morning.\n\n"
         "- Router restarted, no change\n- Firmware is current\n\nWhat else can I check?"),
        ("troubleshooting", "tech", "{p} not responding after the latest update",
         "Since the update yesterday the app shows **Not responding** for my {p}. The LED looks normal. "
         "I already power-cycled it twice."),
        ("setup-getting-started", "tech", "Can't add a second {p} to my home",
         "The first {p} works fine, but adding a second one fails at the pairing step with *No device found*. "
         "It's right next to the hub."),
        ("troubleshooting", "tech", "{p} restarts by itself every few hours",
         "The {p} keeps restarting by itself every few hours. Is this a power problem? "
         "It's on the original adapter."),
        ("troubleshooting", "tech", "Notifications from the {p} arrive late",
         "Alerts from the {p} reach my phone several minutes after the event. Other apps notify instantly. "
         "Phone and app are up to date."),
        ("setup-getting-started", "tech", "How do I move the {p} to another room?",
         "I want to move my {p} from the hallway to the garage. Do I need to remove it from the app and add it "
         "again, or just unplug it and move it?"),
        ("billing-refunds", "service", "Charged twice for Nimbus Plus after adding the {p}",
         "After I added my {p} my card shows two Nimbus Plus charges this month. How do I get one refunded?"),
        ("shipping-delivery", "service", "My {p} order has been in transit for a week",
         "Tracking for my {p} order hasn't changed for seven days (*In transit*). Is it lost?"),
        ("privacy-security", "service", "Who can see the {p} history in my household?",
         "Can every household member see the {p} history, or can I keep it to myself?"),
        ("account-sign-in", "service", "Signed out of the app and can't control the {p}",
         "The app signed me out after the update and now my password is refused, so I can't control the {p}."),
    ],
    "ja": [
        ("troubleshooting", "tech", "{p}が夜になるとオフラインになります",
         "{p}が毎晩 1 時から 4 時ごろにオフラインになり、朝には戻っています。\n\n"
         "- ルーターは再起動済み\n- ファームウェアは最新です\n\nほかに確認すべきことはありますか？"),
        ("troubleshooting", "tech", "アップデート後に{p}が応答しません",
         "昨日のアップデートから、アプリで{p}が**応答なし**になっています。ランプは普段どおりです。"),
        ("setup-getting-started", "tech", "2 台目の{p}を追加できません",
         "1 台目の{p}は問題なく使えていますが、2 台目を追加しようとすると「デバイスが見つかりません」と表示されます。"),
        ("troubleshooting", "tech", "{p}の通知が遅れて届きます",
         "{p}の通知が、イベントから数分遅れてスマホに届きます。ほかのアプリの通知はすぐに届きます。"),
        ("billing-refunds", "service", "{p}を追加してから Nimbus Plus が二重に請求されました",
         "{p}を追加した月に、Nimbus Plus の料金が 2 回請求されています。返金してもらえますか？"),
        ("shipping-delivery", "service", "{p}の配送状況が 1 週間変わりません",
         "注文した{p}の追跡情報が、7 日間「輸送中」のままです。紛失でしょうか？"),
        ("privacy-security", "service", "{p}の履歴を家族に見られないようにできますか",
         "{p}の履歴を、ほかのメンバーから見えないように設定できますか？"),
        ("account-sign-in", "service", "サインアウトされて{p}を操作できません",
         "アップデート後にアプリからサインアウトされ、パスワードが通らず{p}を操作できません。"),
    ],
}
ANSWER_TEXTS = {
    ("en", "tech"): [
        "Check the Wi-Fi signal under *Device → Diagnostics*. Anything below -70 dBm is too weak; "
        "move it closer or add a mesh node.",
        "Give the 2.4 GHz band its own network name on the router. Band steering was the cause for me.",
        "Reset it (hold the button for 10 seconds) and add it again. Took two minutes and fixed it.",
        "Set a fixed channel (1, 6 or 11) instead of *Auto* on the router.",
        "Same problem here. Support told me a fix is coming in the next firmware.",
        "Make sure the app has **local network** permission, otherwise it only talks to the device via the cloud.",
        "Reserve a fixed IP address for it in the router's DHCP settings.",
        "Try another power adapter; a weak adapter causes exactly these restarts.",
    ],
    ("en", "service"): [
        "Open *Account → Billing → Invoices*: a duplicate invoice has a **Request a refund** button.",
        "Contact support through the chat; they sorted it out within two days for me.",
        "Owners can limit what each member sees under *Settings → Home → People → Access*.",
        "Report it under *Orders → Report a problem*; they open a trace with the carrier.",
        "Reset the password from the sign-in page, then sign in again. Check that you used the same sign-in "
        "method as before (Apple / Google / email).",
        "Same here. It was a pending authorisation and disappeared after a few days.",
    ],
    ("ja", "tech"): [
        "**デバイス → 診断** で電波の強さを確認してみてください。-70dBm より弱いと不安定になります。",
        "ルーターで 2.4GHz を別のネットワーク名にすると直りました。",
        "10 秒リセットしてから追加し直したら解決しました。",
        "アプリに「ローカルネットワーク」の許可があるか確認してください。",
        "同じ症状です。次のファームウェアで修正されるそうです。",
    ],
    ("ja", "service"): [
        "**アカウント → 請求 → 請求書** から、重複した請求の返金を申請できます。",
        "サポートのチャットに連絡したら、2 日ほどで対応してもらえました。",
        "オーナーは **設定 → ホーム → メンバー → アクセス** でメンバーごとに見える範囲を制限できます。",
        "サインイン画面からパスワードを再設定してみてください。以前と同じ方法（Apple / Google / メール）で"
        "サインインしているかも確認を。",
    ],
}
COMMENT_TEXTS = {
    "en": ["Which firmware version are you on?", "Same here since last week.", "That fixed it for me, thanks!",
           "Did you try another adapter?", "Is it the 2.4 or 5 GHz band?", "+1, following this."],
    "ja": ["ファームウェアのバージョンは何ですか？", "うちも同じ症状です。", "これで直りました、ありがとうございます！",
           "ルーターの機種は何ですか？"],
}
BENCHMARK_BODY = """\
Our Nimbus Hub (NH-200, firmware 4.2.1) drops off the Wi-Fi several times a day. The LED turns orange, the
app shows *Offline* for a few minutes, and then it reconnects by itself.

- Router: Eero 6 mesh, hub about 5 m from the nearest node
- 2.4 GHz and 5 GHz share one network name
- Already tried: restarting the router, power-cycling the hub, moving it to a shelf

Automations keep running locally, but notifications and remote control stop while it's offline. Anything
else I can try before I buy an Ethernet adapter?
"""
BENCHMARK_ANSWER_TEXTS = [
    "Check *Hub → Diagnostics → Wi-Fi signal*. Below -70 dBm the hub drops off; move it or add a mesh node.",
    "Split the bands: give 2.4 GHz its own network name. Mesh systems love to steer the hub to 5 GHz at the "
    "edge of its range, and then it falls off.",
    "Set a fixed 2.4 GHz channel (1, 6 or 11). Auto channel selection on mesh systems changes channels at "
    "night and the hub has to reconnect each time.",
    "Reserve an IP address for the hub in the router. I had the hub getting a new lease every few hours.",
    "Use Ethernet if you can: the NH-200 has a port on the back and it's rock solid that way.",
    "Turn off *WPA3 only* on the router; the hub is happier with WPA2/WPA3 mixed mode.",
    "Firmware 4.2.1 fixed a reconnect bug for me. Force the update under *Hub → Firmware*.",
    "Microwave ovens and baby monitors interfere with 2.4 GHz. Mine was right next to the kitchen.",
    "Check the router's client list for the hub's signal too; Eero shows it per device.",
    "Power supply! A cheap USB-C adapter made mine drop off whenever the radio was busy. The original one fixed it.",
]


@dataclass
class Batch:
    questions: list = field(default_factory=list)
    answers: list = field(default_factory=list)  # (question index, Answer)
    comments: list = field(default_factory=list)  # (question index, answer index or None, author id, text, moment)
    votes: list = field(default_factory=list)  # (question index, answer index or None, voter id, value, moment)
    tags: list = field(default_factory=list)  # (question index, tag id)
    accepted: dict = field(default_factory=dict)  # question index -> (answer index, moment)


class Command(BaseCommand):
    help = "Generate benchmark-sized community data (bulk questions, answers, votes, comments) quickly."

    def add_arguments(self, parser):
        parser.add_argument("--questions", type=int, required=True, help="How many bulk questions there should be.")
        parser.add_argument("--answers-per-question", type=int, default=5, help="Average answers per question (5).")
        parser.add_argument("--users", type=int, default=2_000, help="How many bulk members write them (2,000).")
        parser.add_argument("--reset", action="store_true", help="Delete all bulk rows and bulk members first.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (the data is reproducible).")
        parser.add_argument(
            "--page-views", type=int, default=None,
            help="Page views (Insights) over the last 90 days: default 1,000,000 with 100,000+ questions, else none; 0: none.",
        )

    def handle(self, *, questions: int, answers_per_question: int, users: int, reset: bool, seed: int, page_views=None, **options):
        if questions < 0 or answers_per_question < 0 or users < 2:
            raise CommandError("--questions and --answers-per-question must be >= 0 and --users >= 2.")
        self.started = time.monotonic()
        self.seed = seed
        self.now = timezone.now()
        self.fast_sqlite()
        try:
            if reset:
                self.reset()
            self.users = self.bulk_users(users)
            self.topics = self.topic_pairs()
            self.tag_ids = self.tag_ids_by_name()
            self.memo = {}
            self.benchmark_question()
            have = generated_questions().exclude(title=BENCHMARK_TITLE).count()
            if have >= questions:
                self.stdout.write(f"{have:,} bulk questions already there (asked for {questions:,}): nothing to add.")
            else:
                self.add_questions(have, questions, answers_per_question)
            # Bulk rows bypass the services, so their search documents are written here in bulk.
            if ensure_index(self.stdout):
                self.stdout.write(f"  search documents rebuilt ({self.elapsed()})")
            # ... and their reputation history and badges (idempotent: what is already in the ledger stays).
            history = reputation_backfill.backfill()
            awarded = sum(badges.backfill().values())
            recounted = member_stats.recount_everyone()  # the profiles' counts and top tags
            self.stdout.write(
                f"  reputation ledger: {history.votes:,} votes, {history.acceptances:,} acceptances written; "
                f"{awarded:,} badges awarded; {recounted:,} members' counts updated ({self.elapsed()})"
            )
            if page_views is None:
                page_views = 1_000_000 if questions >= 100_000 else 0
            if page_views > 0:
                from devtools import pageviews_seed

                pageviews_seed.seed(page_views, seed, self.stdout)
                self.stdout.write(f"  page views and their rollups ({self.elapsed()})")
        finally:
            self.restore_sqlite()
        update_statistics()  # the planner's statistics after a bulk load (SQLite has none until ANALYZE runs)
        caching.touch()
        self.stdout.write(self.style.SUCCESS(f"Done in {self.elapsed()}: " + self.totals()))

    # --- helpers ----------------------------------------------------------------------------------------------------

    def elapsed(self) -> str:
        return f"{time.monotonic() - self.started:.1f}s"

    def totals(self) -> str:
        bulk = generated_questions()
        return (
            f"{bulk.exclude(title=BENCHMARK_TITLE).count():,} bulk questions (+ the benchmark question), "
            f"{Answer.objects.filter(question__in=bulk.values('pk')).count():,} answers, "
            f"{Comment.objects.filter(question__in=bulk.values('pk')).count():,} comments, "
            f"{get_user_model().objects.filter(username__startswith=BULK_USER).count():,} bulk members"
        )

    def fast_sqlite(self) -> None:
        """Bulk loading on SQLite: no fsync per commit, a big page cache. For this connection only, and not
        when called inside a transaction (tests), where SQLite refuses to change them."""
        self.pragmas = connection.vendor == "sqlite" and not connection.in_atomic_block
        if self.pragmas:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-262144")
                cursor.execute("PRAGMA temp_store=MEMORY")

    def restore_sqlite(self) -> None:
        if self.pragmas and connection.connection is not None and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")

    def rendered(self, text: str) -> str:
        """Markdown rendered once per template text (`memo` also keeps slugs per title)."""
        html = self.memo.get(text)
        if html is None:
            html = self.memo[text] = render_markdown(text)
        return html

    # --- reset ------------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        forget_generated_items()  # the benchmark review queue (seed_review_queue) points at generated posts
        forget_generated_cases()  # and the benchmark support cases (seed_cases) at generated questions
        using = connection.alias
        bulk = generated_questions().values("pk")
        bulk_q = Q(question__in=bulk)
        bulk_a = Q(answer__question__in=bulk)
        with transaction.atomic():
            for model in (VoteEvent, Vote, PostRevision):
                model.objects.filter(bulk_q | bulk_a)._raw_delete(using)
            for model in (Acceptance, Comment, Follow, MeToo):
                model.objects.filter(bulk_q)._raw_delete(using)
            TaggedQuestion.objects.filter(content_object__in=bulk)._raw_delete(using)
            # their reputation history goes with them (the rollup and the totals are rebuilt from what is left)
            ledger_rows = ReputationEvent.objects.filter(question_id__in=bulk)
            ReputationEvent.objects.filter(reversal_of__in=ledger_rows.values("pk"))._raw_delete(using)
            ledger_rows._raw_delete(using)
            BadgeAward.objects.filter(user__username__startswith=BULK_USER)._raw_delete(using)
            generated_questions().update(accepted_answer=None)
            deleted = Answer.objects.filter(bulk_q)._raw_delete(using)
            questions = generated_questions()._raw_delete(using)
        members = get_user_model().objects.filter(username__startswith=BULK_USER)
        try:
            members.delete()
        except ProtectedError:  # a bulk member answered or commented outside the generated questions: keep those
            members.filter(questions__isnull=True, answers__isnull=True, comments__isnull=True).delete()
        rebuild_leaderboards()
        ledger.recompute(fix=True)
        member_stats.recount_everyone()
        self.stdout.write(f"Reset: deleted {questions:,} bulk questions and {deleted:,} answers ({self.elapsed()})")

    # --- members, topics, tags --------------------------------------------------------------------------------------

    def bulk_users(self, wanted: int) -> list[int]:
        User = get_user_model()
        existing = set(User.objects.filter(username__startswith=BULK_USER).values_list("username", flat=True))
        names = [f"{BULK_USER}{n}" for n in range(1, wanted + 1)]
        missing = [name for name in names if name not in existing]
        if missing:
            password = make_password(DEMO_PASSWORD)  # one hash for every bulk member
            with transaction.atomic():
                User.objects.bulk_create(
                    [User(username=name, email=f"{name}@bulk.example", password=password, date_joined=self.now)
                     for name in missing],
                    batch_size=INSERT_BATCH,
                )
                created = dict(User.objects.filter(username__in=missing).values_list("username", "pk"))
                EmailAddress.objects.bulk_create(
                    [EmailAddress(user_id=pk, email=f"{name}@bulk.example", verified=True, primary=True)
                     for name, pk in created.items()],
                    batch_size=INSERT_BATCH,
                )
                Profile.objects.bulk_create(
                    [Profile(user_id=pk, display_name=f"Bulk User {name.removeprefix(BULK_USER)}",
                             language="ja" if int(name.removeprefix(BULK_USER)) % 4 == 0 else "en")
                     for name, pk in created.items()],
                    batch_size=INSERT_BATCH,
                )
            self.stdout.write(f"Created {len(missing):,} bulk members ({self.elapsed()})")
        by_name = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        return [by_name[name] for name in names]

    def topic_pairs(self) -> dict[str, tuple[int, int | None]]:
        """Topic slug → (English topic page id, its Japanese translation's id). A question whose template's
        topic is missing goes to any topic (`any_topic`), or to none when there are no topics at all."""
        english = list(
            TopicPage.objects.filter(locale__language_code="en").order_by("path").values_list("slug", "pk", "translation_key")
        )
        japanese = dict(TopicPage.objects.filter(locale__language_code="ja").values_list("translation_key", "pk"))
        pairs = {slug: (pk, japanese.get(key)) for slug, pk, key in english}
        self.any_topic = list(pairs.values()) or [(None, None)]
        return pairs

    def tag_ids_by_name(self) -> list[int]:
        for name in TAGS:
            Tag.objects.get_or_create(slug=name, defaults={"name": name})
        by_name = dict(Tag.objects.filter(slug__in=TAGS).values_list("slug", "pk"))
        return [by_name[name] for name in TAGS]

    # --- the benchmark question -------------------------------------------------------------------------------------

    def benchmark_question(self) -> None:
        if Question.objects.filter(title=BENCHMARK_TITLE).exists():
            return
        rng = random.Random(f"{self.seed}:benchmark")  # noqa: S311 - generated data
        users = self.users
        asker = users[0]
        asked_at = self.now - timedelta(days=3)
        topic = self.topic_for("troubleshooting")
        batch = Batch()
        question = Question(
            author_id=asker, title=BENCHMARK_TITLE, slug=slugify(BENCHMARK_TITLE)[:80], body=BENCHMARK_BODY,
            body_html=self.rendered(BENCHMARK_BODY), topic_id=topic, language="en", created_at=asked_at,
            view_count=4_321,
        )
        batch.questions.append(question)
        batch.tags += [(0, self.tag_ids[TAGS.index("hub")]), (0, self.tag_ids[TAGS.index("wifi")])]
        step = timedelta(days=3) / (BENCHMARK_ANSWERS + BENCHMARK_COMMENTS + 2)
        moment = asked_at
        for number in range(BENCHMARK_ANSWERS):
            moment += step
            text = BENCHMARK_ANSWER_TEXTS[number % len(BENCHMARK_ANSWER_TEXTS)]
            if number >= len(BENCHMARK_ANSWER_TEXTS):
                text = f"{text}\n\n(Reply {number + 1} in this thread.)"
            author = users[1 + number % (len(users) - 1)]
            batch.answers.append((0, Answer(author_id=author, body=text, body_html=self.rendered(text), created_at=moment)))
            score = max(-2, int(rng.paretovariate(1.3)) - 1 - (number % 7 == 6) * 3) if number else 24
            self.add_votes(batch, rng, 0, number, author, score, after=moment)
        batch.accepted[0] = (0, asked_at + step)
        on_question = BENCHMARK_COMMENTS // 5
        for number in range(BENCHMARK_COMMENTS):
            moment += step
            target = None if number < on_question else (number * 7) % BENCHMARK_ANSWERS
            text = COMMENT_TEXTS["en"][number % len(COMMENT_TEXTS["en"])]
            author = users[(number * 13 + 5) % len(users)]
            batch.comments.append((0, target, author, text, moment))
        self.add_votes(batch, rng, 0, None, asker, 31, after=asked_at)
        self.write(batch)
        self.stdout.write(f"Created the benchmark question ({BENCHMARK_ANSWERS} answers, {BENCHMARK_COMMENTS} comments)")

    def topic_for(self, slug: str) -> int | None:
        return (self.topics.get(slug) or self.any_topic[0])[0]

    # --- bulk questions ---------------------------------------------------------------------------------------------

    def add_questions(self, have: int, wanted: int, per_question: int) -> None:
        self.stdout.write(f"Adding {wanted - have:,} bulk questions to the {have:,} already there…")
        answers = 0
        for start in range(have, wanted, QUESTIONS_PER_TRANSACTION):
            end = min(start + QUESTIONS_PER_TRANSACTION, wanted)
            batch = self.generate(start, end, per_question)
            self.write(batch)
            answers += len(batch.answers)
            self.stdout.write(f"  {end:,} / {wanted:,} questions, {answers:,} answers added ({self.elapsed()})")

    def generate(self, start: int, end: int, per_question: int) -> Batch:
        rng = random.Random(f"{self.seed}:{start}")  # noqa: S311 - generated data
        users = self.users
        batch = Batch()
        spread = SPREAD_DAYS * 86_400
        for number in range(start, end):
            index = len(batch.questions)
            language = "ja" if number % 4 == 3 else "en"
            templates = QUESTION_TEMPLATES[language]
            slot = number // 4 if language == "ja" else number  # every template and product in turn
            topic_slug, kind, title_template, body_template = templates[slot % len(templates)]
            product = PRODUCTS[language][(slot // len(templates)) % len(PRODUCTS[language])]
            title = title_template.format(p=product)
            body = body_template.format(p=product)
            slug = self.memo.get(("slug", title))
            if slug is None:
                slug = self.memo[("slug", title)] = slugify(title, allow_unicode=True)[:70].strip("-")
            english_topic, japanese_topic = self.topics.get(topic_slug) or self.any_topic[number % len(self.any_topic)]
            asker = users[rng.randrange(len(users))]
            asked_at = self.now - timedelta(seconds=rng.uniform(3_600, spread))
            question = Question(
                author_id=asker, title=f"{title} (#{number + 1})", slug=f"{slug}-{number + 1}", body=body,
                body_html=self.rendered(body), topic_id=japanese_topic if language == "ja" else english_topic,
                language=language, created_at=asked_at,
                view_count=int(rng.paretovariate(1.2) * 20),
            )
            batch.questions.append(question)
            for tag in rng.sample(self.tag_ids, rng.randint(1, 3)):
                batch.tags.append((index, tag))
            last = asked_at
            count = 0 if rng.random() < 0.08 else max(1, per_question + rng.randint(-2, 2)) if per_question else 0
            texts = ANSWER_TEXTS[language, kind]
            best, best_score = None, None
            for answer_number in range(count):
                author = users[rng.randrange(len(users))]
                if author == asker:
                    author = users[(users.index(asker) + 1) % len(users)]
                moment = min(last + timedelta(seconds=rng.uniform(600, 4 * 86_400)), self.now)
                last = moment
                text = texts[rng.randrange(len(texts))]
                batch.answers.append((index, Answer(author_id=author, body=text, body_html=self.rendered(text), created_at=moment)))
                score = rng.choices((-2, -1, 0, 1, 2, 3, 4, 6, 9), weights=(2, 5, 30, 25, 15, 10, 6, 4, 3))[0]
                self.add_votes(batch, rng, index, answer_number, author, score, mixed=rng.random() < 0.15, after=moment)
                if best_score is None or score > best_score:
                    best, best_score = answer_number, score
                if rng.random() < 0.2:
                    last = self.add_comment(batch, rng, index, answer_number, language, moment)
            if best is not None and rng.random() < 0.45:
                answered_at = batch.answers[len(batch.answers) - count + best][1].created_at
                batch.accepted[index] = (best, min(answered_at + timedelta(seconds=rng.uniform(600, 2 * 86_400)), self.now))
            if rng.random() < 0.3:
                for _ in range(rng.randint(1, 2)):
                    self.add_comment(batch, rng, index, None, language, asked_at)
            self.add_votes(batch, rng, index, None, asker, rng.choices((-1, 0, 1, 2, 3, 5), weights=(4, 40, 25, 15, 10, 6))[0],
                           after=asked_at)
        return batch

    def add_comment(self, batch: Batch, rng, index: int, answer: int | None, language: str, after: datetime) -> datetime:
        text = COMMENT_TEXTS[language][rng.randrange(len(COMMENT_TEXTS[language]))]
        moment = min(after + timedelta(seconds=rng.uniform(60, 2 * 86_400)), self.now)
        author = self.users[rng.randrange(len(self.users))]
        batch.comments.append((index, answer, author, text, moment))
        return moment

    def add_votes(self, batch: Batch, rng, index: int, answer: int | None, author: int, score: int, mixed=False,
                  *, after: datetime) -> None:
        """Votes by distinct members (never the author) adding up to `score`; `mixed` adds a down-vote. Each is
        cast within five days of the post (`after`), never in the future, as on a real site: dating them all
        "now" put a million votes (and their reputation events) on one day, which no Insights day looks like."""
        down = (1 if mixed else 0) + max(0, -score)
        up = max(0, score) + (1 if mixed else 0)
        available = len(self.users) - 1
        if up + down > available:
            up, down = min(up, available), 0
        start = rng.randrange(len(self.users))
        voters = []
        offset = 0
        while len(voters) < up + down:
            voter = self.users[(start + offset) % len(self.users)]
            offset += 1
            if voter != author:
                voters.append(voter)
        for number, voter in enumerate(voters):
            moment = min(after + timedelta(seconds=rng.uniform(60, 5 * 86_400)), self.now)
            batch.votes.append((index, answer, voter, 1 if number < up else -1, moment))

    # --- writing ----------------------------------------------------------------------------------------------------

    def write(self, batch: Batch) -> None:
        """One transaction: questions and answers first (their ids come back), then the rows that point at them,
        with every counter on the question and answer rows set from what is written here."""
        questions = batch.questions
        answers_of = [[] for _ in questions]
        for index, answer in batch.answers:
            answers_of[index].append(answer)
        scores_q = [0] * len(questions)
        scores_a = [[0] * len(items) for items in answers_of]
        for index, answer, _voter, value, _moment in batch.votes:
            if answer is None:
                scores_q[index] += value
            else:
                scores_a[index][answer] += value
        comments_q = [0] * len(questions)
        comments_a = [[0] * len(items) for items in answers_of]
        latest = [question.created_at for question in questions]
        for index, answer in batch.answers:
            latest[index] = max(latest[index], answer.created_at)
        for index, answer, _author, _text, moment in batch.comments:
            latest[index] = max(latest[index], moment)
            if answer is None:
                comments_q[index] += 1
            else:
                comments_a[index][answer] += 1
        for index, question in enumerate(questions):
            question.score, question.answer_count, question.comment_count = (
                scores_q[index], len(answers_of[index]), comments_q[index]
            )
            question.follower_count = 1  # the asker follows, as ask_question does
            question.last_activity_at = latest[index]
        with transaction.atomic():
            Question.objects.bulk_create(questions, batch_size=INSERT_BATCH)
            flat = []
            for index, items in enumerate(answers_of):
                for number, answer in enumerate(items):
                    answer.question_id = questions[index].pk
                    answer.score, answer.comment_count = scores_a[index][number], comments_a[index][number]
                    flat.append(answer)
            Answer.objects.bulk_create(flat, batch_size=INSERT_BATCH)
            # The rest nobody needs the ids of: plain INSERTs of ready values (bulk_create would spend most of
            # its time preparing each of these millions of values one by one).
            adapt = connection.ops.adapt_datetimefield_value
            insert_rows(Comment, ["question", "answer", "author", "body", "body_html", "created_at"], [
                (questions[index].pk, answers_of[index][answer].pk if answer is not None else None, author, text,
                 self.rendered(text), adapt(moment))
                for index, answer, author, text, moment in batch.comments
            ])
            votes = [
                (voter, None, answers_of[index][answer].pk, value, adapt(moment)) if answer is not None
                else (voter, questions[index].pk, None, value, adapt(moment))
                for index, answer, voter, value, moment in batch.votes
            ]
            insert_rows(Vote, ["voter", "question", "answer", "value", "created_at", "updated_at"],
                        [(*vote, vote[-1]) for vote in votes])
            insert_rows(VoteEvent, ["voter", "question", "answer", "from_value", "to_value", "created_at"],
                        [(voter, question, answer, 0, value, moment) for voter, question, answer, value, moment in votes])
            insert_rows(Follow, ["user", "question", "created_at"],
                        [(q.author_id, q.pk, adapt(q.created_at)) for q in questions])
            insert_rows(TaggedQuestion, ["content_object", "tag"], [(questions[index].pk, tag) for index, tag in batch.tags])
            accepted = [(questions[index], answers_of[index][number], moment)
                        for index, (number, moment) in batch.accepted.items()]
            insert_rows(Acceptance, ["question", "answer", "actor", "accepted", "created_at"],
                        [(q.pk, a.pk, q.author_id, True, adapt(moment)) for q, a, moment in accepted])
            if accepted:
                table = connection.ops.quote_name(Question._meta.db_table)
                column = connection.ops.quote_name(Question._meta.get_field("accepted_answer").column)
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608 - names from the model
                        [(a.pk, q.pk) for q, a, _moment in accepted],
                    )


def insert_rows(model, names: list[str], rows: list[tuple]) -> None:
    """INSERT ready-made rows (ids, strings, numbers, adapted datetimes) with executemany, in batches."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 - model names
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            cursor.executemany(sql, rows[start:start + INSERT_BATCH])
