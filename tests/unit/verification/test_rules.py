from chengxin.domains.verification.rules import RegistryFacts, Result, compare


def test_verified_only_with_same_name_and_active_status() -> None:
    assert compare("华信科技有限公司", RegistryFacts("business", "华信科技有限公司", "存续")).result is Result.verified


def test_mismatch_names_each_difference() -> None:
    out = compare("华信科技有限公司", RegistryFacts("business", "华兴科技有限公司", "吊销"))
    assert out.result is Result.mismatch
    assert out.reasons == ("name_differs", "registry_status:吊销")


def test_deceased_person_is_a_mismatch() -> None:
    out = compare("张三", RegistryFacts("population", "张三", "死亡"))
    assert out.result is Result.mismatch and out.reasons == ("registry_status:死亡",)


def test_not_in_registry() -> None:
    assert compare("x", None).result is Result.not_found
