"""Reading a response's HTML in tests: the parsed page and its <title> as a browser shows it."""

from bs4 import BeautifulSoup


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def title_of(soup) -> str:
    return " ".join(soup.title.get_text().split())  # as browsers show it
