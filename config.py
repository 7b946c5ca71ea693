"""Every SecureX setting, in one place.

Edit the values here; `securex --help` (or `python main.py --help`) lists the options that override
some of them for one run. Each value is checked at start and a bad one stops the program with a
one-line fix. Relative paths are relative to the folder of this file.
"""


# --- Camera / video source ------------------------------------------------------------------------------------------
CAMERA_INDEX = 0                  # camera used with no --source (0 = first camera)
CAMERA_WIDTH = 1280               # resolution asked of a live camera, in pixels
CAMERA_HEIGHT = 720               # (the camera may pick the nearest mode it supports)
CAMERA_FPS = 25                   # frame rate asked of a live camera
FRAME_SKIP = 0                    # process one frame, then skip this many (0 = process every frame)
RECONNECT_MAX_SECONDS = 30.0      # longest wait between tries to reach a live source that is absent or dropped
# Lanes watched by this PC, one camera each, in one process (one window, one record chain). Each lane:
# "name", "source" (camera index, video file or rtsp:// URL), "direction" ("in", "out" or "both": a "both" lane tells
# from the plate's motion, see APPROACHING_IS), optionally "region": the part of the picture where plates are read,
# a polygon of [x, y] picture fractions (0..1 from the top left), and optionally "masks": areas of this lane's
# picture never read, each [left, top, right, bottom] in fractions of its picture (as MASKS, which count on every
# lane too). [] = one lane: --source or CAMERA_INDEX, named LANE_NAME, recording no direction (as before lanes; a
# single lane with a direction is one entry here). Example:
#   LANES = [{"name": "entry", "source": 0, "direction": "in", "region": [[0, 0.3], [1, 0.3], [1, 1], [0, 1]],
#             "masks": [[0.0, 0.3, 0.3, 0.38]]},
#            {"name": "exit", "source": "rtsp://user:pass@10.0.0.6/stream", "direction": "out"}]
LANES = []                        # the lanes: [{"name", "source", "direction", "region", "masks"}, ...]; [] = one
                                  # lane (--source or CAMERA_INDEX)
APPROACHING_IS = "in"             # on a "both" lane, a plate coming toward the camera (growing, moving down the
                                  # picture) is going "in" or "out"

# --- Detection ------------------------------------------------------------------------------------------------------
DETECTOR = "text"                 # "text" (neural text-line detector), "haar" (cascade), "hybrid" (both) or
                                  # "platedet" (optional plate model, AGPL-3.0: see the README; install it yourself)
CASCADE_PATH = None               # Haar cascade XML; None = haarcascade_russian_plate_number.xml shipped by OpenCV
CASCADE_SCALE_FACTOR = 1.05       # image pyramid step of the cascade (smaller = finds more, slower)
CASCADE_MIN_NEIGHBORS = 3         # overlapping hits a cascade box needs (higher = fewer false boxes)
MIN_PLATE_AREA = 300              # smallest plate box kept, in pixels of the original frame
PLATE_MIN_ASPECT = 1.4            # plate box width / height, lower bound (two-row plates are ~1.5); narrower text
                                  # boxes, down to 0.8, are read only as vanity plates (see VANITY_MIN_EVIDENCE)
PLATE_MAX_ASPECT = 9.0            # plate box width / height, upper bound
STILL_DETECT_SIDE = 960           # still photos are scaled so their long side is this before detection
VIDEO_DETECT_SIDE = 480           # video frames are scaled so their long side is this before detection
TEXT_DET_THRESHOLD = 0.3          # text detector: pixel probability that counts as text
TEXT_DET_BOX_SCORE = 0.5          # text detector: mean probability a text box needs
TEXT_DET_UNCLIP = 1.6             # text detector: how far a text box is grown around its core
# Areas of the picture where no plate is looked for: a burned-in clock or camera name, a sign.
# Each is [left, top, right, bottom] in fractions of the picture's width and height, e.g.
# [0.0, 0.0, 0.4, 0.08] for a clock in the top-left corner. A candidate whose centre is inside one is
# dropped. Fixed text is also rejected without a mask (see STATIC_MIN_MOVE); a mask saves the work.
# What changes inside one is no motion (MOTION_GATE): mask a tree or a flag that moves in the wind too,
# where no plate passes (a plate centred in a mask is never read).
# These count on every lane; a lane's own "masks" (see LANES) add to them on that lane's picture only.
MASKS = []                        # areas never read, on every lane: [left, top, right, bottom] in fractions of the
                                  # picture

# --- OCR ------------------------------------------------------------------------------------------------------------
OCR_ENGINE = "neural"             # "neural" (PP-OCR ONNX model, offline) or "tesseract"
NEURAL_MODEL_DIR = None           # folder with both PP-OCR .onnx models; None = those of the installed rapidocr
                                  # wheels
ONNX_THREADS = 1                  # CPU threads per neural model call (1 measured fastest on two cores)
TESSERACT_PATH = None             # tesseract executable; None = search PATH, then the usual Windows/macOS places
TESSERACT_TIMEOUT_SECONDS = 5.0   # a Tesseract call that takes longer is abandoned (costs that candidate only)
OCR_LINE_HEIGHT = 48              # text lines are scaled to this height (px) before OCR
OCR_CONFIDENCE_THRESHOLD = 0.5    # reads below this confidence (0..1) are not shown or used

# --- Plate rules ----------------------------------------------------------------------------------------------------
# The countries whose plates this site sees (securex/config/plate_formats.py has the table: patterns,
# letters, one- and two-row layouts, lengths). A read that fits one of their formats ranks above one
# that does not, confusable characters (O/0, I/1, B/8, S/5, Z/2, G/6) are fixed only where a format
# decides it, and `read --json` names the country. "eu" stands for the EU plates not listed one by one
# (any layout of 4 to 8 characters). "world" reads any other country's plates too: a read of 6 or
# more letters and digits that fits another country's format as read (or changing only unsure
# confusable characters) is named by that country and, every character read surely, needs no plate
# evidence; any other layout of 4 to 10 characters passes the permissive rule; a vanity plate may
# have 2 (unless PLATE_MIN_LENGTH is set). Leave "world" out to read only the countries listed. Known:
# ae ar at au be bg br by ca ch cl cn cz de dk ee es eu fi fr gr hr hu id ie il in it kz lt lv me mx
# my ng nl no nz ph pk pl pt py ro ru sa se sg si sk th tr tw ua uk us uy vn world za
PLATE_COUNTRIES = ['br', 'it', 'cz', 'es', 'pl', 'eu', 'world'] # the countries whose plates are read
PLATE_MIN_LENGTH = None           # fewest characters in a plate (None = from the countries' formats)
PLATE_MAX_LENGTH = None           # most characters in a plate (None = from the countries' formats)
PLATE_ALLOWED_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" # characters a plate may contain
# The site's own formats, added to its countries': {"name": ["LLNNNN", ...]}, L = letter, N = digit,
# a "/" between the rows of a two-row plate (top row first).
PLATE_FORMATS = {}                # name: [patterns] of the site's own
UNKNOWN_FORMAT_PENALTY = 0.15     # taken off the confidence of a read that fits no known format
WORLD_FORMAT_PENALTY = 0.05       # taken off the confidence of a read that fits no format of the site's but another
                                  # country's, as read or changing only unsure characters (with "world" in
                                  # PLATE_COUNTRIES)
FIX_CHAR_CONFIDENCE = 0.9         # a confusable character read below this is changed freely to fit a format
SURE_CHANGE_PENALTY = 0.1         # confidence lost per character read at or above that which a format changes
DROP_CHAR_CONFIDENCE = 0.75       # a character read below this may be dropped if that makes a format fit (no more of
                                  # them than a format needs)
PLATE_MIN_DIGITS = 1              # a plate needs at least this many digits (text without digits is a sign, unless its
                                  # plate evidence lets it through: VANITY_MIN_EVIDENCE)
PLATE_MIN_EVIDENCE = 0.1          # a read that fits none of the site's formats (or only by changing a character read
                                  # surely, or of digits only) needs at least this plate evidence (0..1: the text sits
                                  # on a plate-shaped rectangle of uniform colour; 0 = off): a watermark, a sticker or
                                  # writing in the scene does not
VANITY_MIN_EVIDENCE = 0.6         # plate evidence (0..1) that lets a read without digits through, its text centred on
                                  # the plate: a short line with plate all around (a vanity plate: FAST, GT, V8) or,
                                  # in photos, a line with some plate around it (a custom plate: KMBORAK, NEILDMND;
                                  # above 1 = never)

# --- Video: motion, tracking and voting -----------------------------------------------------------------------------
DETECT_INTERVAL_FRAMES = 3        # run the detector on one frame in this many (tracks carry boxes between)
MOTION_GATE = True                # skip the detector while nothing moves and no vehicle is tracked
MOTION_THUMB_WIDTH = 160          # motion is judged on a grey thumbnail this wide (px; a lane with a region: its part
                                  # of it, as finely)
MOTION_PIXEL_DELTA = 12           # a thumbnail pixel whose grey level changes more than this has moved
MOTION_MIN_SHARE = 0.002          # share of moved thumbnail pixels (of a lane's region, where it has one) that counts
                                  # as motion (0.002 = 0.2 %); a patch with that share on its own is followed until it
                                  # stops
FOCUS_FULL_EVERY = 4              # every Nth detector run looks at the whole lane region; the others look closer at
                                  # its moving part and the tracked plates, for the same cost (1 = always the whole
                                  # region)
TRACK_IOU_MATCH = 0.2             # box overlap that continues a track
TRACK_MAX_MISSED_DETECTIONS = 4   # detector runs without the plate before its track ends
SETTLED_RECHECK_FRAMES = 15       # a settled track is read again this often, to notice a new car in its place
VOTE_MIN_READS = 3                # reads a track needs before its vote can settle
VOTE_MIN_READS_AT_END = 2         # reads an unsettled track needs to be saved when it leaves the picture
VOTE_SETTLE_SHARE = 0.6           # share of the track's read weight the winner needs to settle
STATIC_MIN_MOVE = 0.75            # text that fits no plate format must move this many of its heights (or grow by this
                                  # share) before it is recorded: text that stays put is a sign or overlay (0 = off)
MAX_TRACKS = 32                   # tracks kept at once (oldest dropped beyond this)
WORKER_THREADS = 2                # threads that run detection and OCR beside the picture
PIPELINE_LAG_FRAMES = 4           # file sources: frames after which a frame's work must be finished (keeps runs
                                  # reproducible)

# --- Saving and records ---------------------------------------------------------------------------------------------
AUTO_SAVE = True                  # save confirmed plates automatically (toggle with A)
AUTO_SAVE_THRESHOLD = 0.8         # confidence (0..1) a plate needs to be auto-saved
DUPLICATE_WINDOW_SECONDS = 10.0   # the same plate (or it read short: a character or a row less; read fuller, the same
                                  # car's next track corrects its record) is not saved again within this many seconds
                                  # of when it was last seen
GATE_NAME = "gate-1"              # this gate's name; every record carries it (gates may share a database)
DATABASE_URL = "sqlite:///database/plates.db" # the source of truth: sqlite:///PATH (this PC) or
                                              # postgresql://USER:PASSWORD@HOST/DBNAME (one record for many gates)
DATABASE_TIMEOUT_SECONDS = 5.0    # longest the gate waits for the database on one write or query (a server that
                                  # hangs, a network gone silent, a SQLite file another program keeps locked); past it
                                  # the record waits in the journal, as when the database is down, and is written once
                                  # the database answers again
KEY_PATH = "database/securex.key" # record signing key, created on first run (owner-only); back it up, verify needs
                                  # it; every gate sharing a database needs the same key
HEAD_LOG_PATH = "database/chain_head.log" # append-only log of each gate's newest record (proves none was deleted)
CSV_PATH = "exports/detected_plates.csv" # CSV copy of every record (opens in Excel)
IMAGES_DIR = "saved_plates"       # plate crops, plate_YYYYMMDD_HHMMSS[_n].jpg
CROP_MARGIN = 0.15                # saved crops are grown by this share of the plate box on each side
RETENTION_DAYS = None             # `prune` removes records and images older than this; None = keep all
ONSITE_STALE_HOURS = 24.0         # `inside`: an entry with no exit after this many hours is shown as stale (the exit
                                  # was missed, or the car stays overnight)
REPORTS_DIR = "exports"           # where `report` writes its chart

# --- Access lists and alerts ----------------------------------------------------------------------------------------
WATCHLIST_PATH = "database/watchlist.csv" # allowed/flagged plates (CSV: plate,list,note,valid_until); no file or an
                                          # empty one = no list in use (no UNKNOWN shown)
WATCHLIST_MAX_DISTANCE = 1        # a read this many edits from a listed plate still matches it (0 = exact only)
ALERT_COMMAND = None              # program run for each decided plate with PLATE STATUS appended, as a list, e.g.
                                  # ["python", "scripts/open_barrier.py"]; never run through a shell
ALERT_TIMEOUT_SECONDS = 10.0      # an alert command still running after this is stopped
ALERT_SOUND = "default"           # alarm played over and over while a flagged plate is not acknowledged (F):
                                  # "default" (the built-in alarm), a .wav file, or None (silent)

# --- Events, barrier and integrations -------------------------------------------------------------------------------
LANE_NAME = "lane-1"              # this camera's lane; events and the barrier rule are per lane
OPERATOR_NAME = "guard"           # who is at this gate's PC: recorded when the barrier is opened by hand (key O)
MQTT_URL = None                   # MQTT broker for events, e.g. mqtt://USER:PASSWORD@HOST:1883 (mqtts:// for TLS);
                                  # None = no MQTT
MQTT_TOPIC_PREFIX = "securex"     # events go to PREFIX/GATE/events, the last plate of each lane to
                                  # PREFIX/GATE/LANE/last (retained)
HA_DISCOVERY_PREFIX = "homeassistant" # Home Assistant MQTT discovery: each lane appears as a sensor (last plate) and
                                      # a binary sensor (flagged); None = not announced
WEBHOOK_URLS = []                 # each event is POSTed as JSON to every URL in this list, e.g.
                                  # ["https://parking.example/securex"]
WEBHOOK_SECRET = None             # signs each webhook body: header X-SecureX-Signature: sha256=HMAC-SHA256(secret,
                                  # body) in hex; None = unsigned
WEBHOOK_SEND_IMAGE = False        # send the plate photo with each webhook (multipart/form-data: an "event" part and
                                  # an "image" part)
DELIVERY_TIMEOUT_SECONDS = 5.0    # how long a webhook, barrier call or MQTT confirmation may take before it counts as
                                  # failed
DELIVERY_RETRY_MAX_SECONDS = 60.0 # a failed delivery is retried after 1 s, then twice as long each time up to this;
                                  # events wait in the database
# The barrier, per lane: which list standings open it (allowed, flagged, unknown, none = no list in use)
# and how: an MQTT message, an HTTP call, or a program (run with PLATE STATUS appended, never through a shell).
# The guard opens it by hand with O (recorded with OPERATOR_NAME). Each key is a lane's name (in LANES or --lane, else
# LANE_NAME); a name that is no lane of the run nor of LANES stops it at start. Examples:
#   BARRIER = {"lane-1": {"open_for": ["allowed"], "mqtt": {"topic": "relay/gate/set", "payload": "ON"}}}
#   BARRIER = {"lane-1": {"open_for": ["allowed"], "http": {"url": "http://10.0.0.9/relay/0?turn=on", "method": "GET"}}}
#   BARRIER = {"lane-1": {"open_for": ["allowed"], "command": ["python", "scripts/open_barrier.py"]}}
BARRIER = {}                      # lane: {"open_for": [standings], and one of "mqtt", "http", "command"}; {} = no
                                  # barrier

# --- Window and log -------------------------------------------------------------------------------------------------
SHOW_ENGINEER_INFO = False        # show the engineer figures (stage times, record chain, OCR engine) in the panel at
                                  # start (toggle with I)
WINDOW_TITLE = "SecureX"          # title of the live window
FPS_WINDOW_SECONDS = 2.0          # rolling window for the FPS and per-stage times
LOG_LEVEL = "INFO"                # DEBUG, INFO, WARNING or ERROR
