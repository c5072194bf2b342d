"""Stop words: the Snowball project's lists for Finnish, Swedish and English (BSD licence),
the same that PostgreSQL's `finnish`, `swedish` and `english` text search configurations use,
so that a word both backends leave out of a listing is also left out of a query."""

from __future__ import annotations


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


STOP_WORDS: dict[str, frozenset[str]] = {
    "fi": _listed(
        """
        ei eivät emme en et ette että he heidän heidät heihin heille heillä heiltä heissä heistä
        heitä hän häneen hänelle hänellä häneltä hänen hänessä hänestä hänet häntä itse ja johon
        joiden joihin joiksi joilla joille joilta joina joissa joista joita joka joksi jolla jolle
        jolta jona jonka jos jossa josta jota jotka kanssa keiden keihin keiksi keille keillä keiltä
        keinä keissä keistä keitä keneen keneksi kenelle kenellä keneltä kenen kenenä kenessä
        kenestä kenet ketkä ketä koska kuin kuka kun me meidän meidät meihin meille meillä meiltä
        meissä meistä meitä mihin miksi mikä mille millä miltä minkä minua minulla minulle minulta
        minun minussa minusta minut minuun minä missä mistä mitkä mitä mukaan mutta ne niiden niihin
        niiksi niille niillä niiltä niin niinä niissä niistä niitä noiden noihin noiksi noilla
        noille noilta noin noina noissa noista noita nuo nyt näiden näihin näiksi näille näillä
        näiltä näinä näissä näistä näitä nämä ole olemme olen olet olette oli olimme olin olisi
        olisimme olisin olisit olisitte olisivat olit olitte olivat olla olleet ollut on ovat poikki
        se sekä sen siihen siinä siitä siksi sille sillä siltä sinua sinulla sinulle sinulta sinun
        sinussa sinusta sinut sinuun sinä sitä tai tallä te teidän teidät teihin teille teillä
        teiltä teissä teistä teitä tuo tuohon tuoksi tuolla tuolle tuolta tuon tuona tuossa tuosta
        tuotä tähän täksi tälle tältä tämä tämän tänä tässä tästä tätä vaan vai vaikka yli
        """
    ),
    "sv": _listed(
        """
        alla allt att av blev bli blir blivit de dem den denna deras dess dessa det detta dig din
        dina ditt du där då efter ej eller en er era ert ett från för ha hade han hans har henne
        hennes hon honom hur här i icke ingen inom inte jag ju kan kunde man med mellan men mig min
        mina mitt mot mycket ni nu när någon något några och om oss på samma sedan sig sin sina
        sitta själv skulle som så sådan sådana sådant till under upp ut utan vad var vara varför
        varit varje vars vart vem vi vid vilka vilkas vilken vilket vår våra vårt än är åt över
        """
    ),
    "en": _listed(
        """
        a about above after again against all am an and any are as at be because been before being
        below between both but by can did do does doing don down during each few for from further
        had has have having he her here hers herself him himself his how i if in into is it its
        itself just me more most my myself no nor not now of off on once only or other our ours
        ourselves out over own s same she should so some such t than that the their theirs them
        themselves then there these they this those through to too under until up very was we were
        what when where which while who whom why will with you your yours yourself yourselves
        """
    ),
}
# Left out of a query word's stems in every language, as Whoosh's stop filter leaves them out of
# every stemmed field: English function words that Finnish and Swedish listings mix in.
EVERYWHERE = _listed(
    """
    a an and are as at be by can for from have if in is it may not of on or tbd that the this to
    us we when will with yet you your
    """
)
