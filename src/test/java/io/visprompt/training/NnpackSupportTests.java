package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class NnpackSupportTests {

    private static final String PROCESSOR = "processor\t: 0";
    private static final String MODEL = "model name\t: Intel(R) Xeon(R) CPU";

    @Test
    void anX86CpuWithAvx2CanRunNnpack() {
        assertThat(NnpackSupport.of(List.of(PROCESSOR, MODEL,
                "flags\t\t: fpu vme de pse tsc msr pae sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2 avx512f",
                "bugs\t\t: spectre_v1")))
                .isEqualTo(NnpackSupport.AVAILABLE);
    }

    @Test
    void anX86CpuWithAvxButNotAvx2CannotRunNnpack() {
        // Sandy Bridge, or a VM that hides AVX2; avx512 names alone do not count either
        assertThat(NnpackSupport.of(List.of(PROCESSOR, MODEL,
                "flags\t\t: fpu vme sse sse2 ssse3 sse4_1 sse4_2 avx xsave avx512_vnni_fake",
                "vmx flags\t: vnmi preemption_timer")))
                .isEqualTo(NnpackSupport.NO_AVX2);
    }

    @Test
    void anArmCpuIsNotChecked() {
        assertThat(NnpackSupport.of(List.of(PROCESSOR, "BogoMIPS\t: 50.00",
                "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid",
                "CPU implementer\t: 0x41")))
                .isEqualTo(NnpackSupport.NOT_CHECKED);
    }

    @Test
    void noCpuinfoTellsNothing() {
        assertThat(NnpackSupport.of(List.of())).isEqualTo(NnpackSupport.NOT_CHECKED);
    }

    @Test
    void withoutAvx2TheWorkerSaysSoOnceAndAsksForTheLogLevelWhenLibtorchWouldRepeatItsOwnWarning() {
        assertThat(NnpackSupport.NO_AVX2.warnings("ERROR")).singleElement().asString()
                .isEqualTo("NNPACK is unavailable on this CPU (no AVX2); libtorch uses its other convolution kernels");
        assertThat(NnpackSupport.NO_AVX2.warnings("error")).hasSize(1);
        assertThat(NnpackSupport.NO_AVX2.warnings(null)).hasSize(2).last().asString()
                .contains("TORCH_CPP_LOG_LEVEL is not set", "TORCH_CPP_LOG_LEVEL=ERROR");
        assertThat(NnpackSupport.NO_AVX2.warnings("WARNING")).hasSize(2).last().asString()
                .startsWith("TORCH_CPP_LOG_LEVEL is WARNING");
        assertThat(NnpackSupport.AVAILABLE.warnings(null)).isEmpty();
        assertThat(NnpackSupport.NOT_CHECKED.warnings(null)).isEmpty();
    }

    @Test
    void thisMachineIsReadFromProcCpuinfoOnLinux() {
        assumeTrue(Files.isReadable(Path.of("/proc/cpuinfo")), "needs Linux /proc");
        boolean x86 = System.getProperty("os.arch").matches("amd64|x86_64|x86");

        assertThat(NnpackSupport.ofThisCpu()).isIn(x86
                ? List.of(NnpackSupport.AVAILABLE, NnpackSupport.NO_AVX2)
                : List.of(NnpackSupport.NOT_CHECKED));
    }
}
