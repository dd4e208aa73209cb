from tests.factories import ReshipLineFactory


def test_a_reship_line_builds_with_its_whole_chain(db):
    line = ReshipLineFactory()

    assert line.request.number.startswith("RS-")
    assert line.order_line.order == line.request.order
    assert line.request.seller == line.request.order.seller
