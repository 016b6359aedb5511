#pragma once
// The KIT plugin ABI (filled in by the plugins issue).
